/**
 * The hosts each VirtualHost's routes are written for, port by port, by httpd's rule (see
 * site-hosts.ts): the first vhost of a port is its default and answers every Host there; a
 * Host goes to the first vhost of the port whose ServerName or ServerAlias matches it.
 */
import type { Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";
import type { Server } from "./apache-model.ts";
import { byHosts, lostEverywhere, neverUsed, siteHosts, type Site } from "./site-hosts.ts";

const HOST = /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

export interface HostGroup { hosts: (string | undefined)[]; ports: number[] }

function site(s: Server, report: Report): Site {
  const names = [...new Set(s.names.map((n) => n.toLowerCase()))].filter((n) => {
    if (HOST.test(n)) return true;
    report.skip(s.node, `the name ${n} is not a host name or *.example.com wildcard`);
    return false;
  });
  return { names, node: s.node };
}

/**
 * The host groups of `s` on its routed ports; each name it lists that an earlier vhost of the
 * port matches first is reported on each of `routes` as never used for that name.
 */
export function vhostHosts(s: Server, servers: Server[], routed: number[], routes: Json[], report: Report): HostGroup[] {
  const sites = new Map(servers.map((x) => [x, site(x, report)]));
  const me = sites.get(s)!;
  return byHosts(routed, (port) => {
    const peers = servers.filter((x) => x.ports.includes(port));
    const isDefault = peers[0] === s;
    if (!isDefault && !me.names.length) {
      report.note(s.node, "a VirtualHost that is not the port's first needs a ServerName to be reached; its routes serve any host");
      return [undefined];
    }
    const { hosts, lost } = siteHosts(me, peers.map((x) => sites.get(x)!), isDefault, "httpd");
    for (const { name, owner } of lost) {
      const why = `never used for ${name} on port ${port}: httpd gives it to the first VirtualHost that matches it, ${owner.node.loc.file}:${owner.node.loc.line}`;
      for (const r of routes) report.skip((r._node as Node | undefined) ?? s.node, why);
      if (!routes.length) report.skip(s.node, why);
    }
    return hosts;
  });
}

/**
 * Whether `s` is never used: on each of its ports an earlier vhost is the default and every
 * name it has is matched first by an earlier vhost (httpd's first match, above). Then the
 * vhost and each directive in it (ProxyPassReverse, Header, SSL...) are reported as such.
 */
export function unusedVhost(s: Server, servers: Server[], report: Report): boolean {
  const sites = new Map(servers.map((x) => [x, site(x, report)]));
  const ports = s.ports.map((port) => {
    const peers = servers.filter((x) => x.ports.includes(port));
    return { port, sites: peers.map((x) => sites.get(x)!), isDefault: peers[0] === s };
  });
  const lost = lostEverywhere(sites.get(s)!, ports, "httpd");
  if (lost) report.skipBlock(s.node, neverUsed("VirtualHost", lost, (n) => `httpd gives ${n} to the first VirtualHost that matches it`));
  return lost !== undefined;
}

/**
 * The hosts each NGINX server's routes are written for, port by port, by NGINX's rule (see
 * site-hosts.ts): the default server of a port (default_server, else the first listening
 * there) answers every Host; another server only its server_names, and a name two servers of
 * the port list only in the first ("conflicting server name ... ignored").
 */
import type { Node, Report } from "./report.ts";
import { byHosts, lostEverywhere, neverUsed, portWords, siteHosts, type Site } from "./site-hosts.ts";

const HOST = /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

export interface NamedServer { node: Node; names: string[]; listens: { port: number; isDefault: boolean }[] }
export interface HostGroup { hosts: (string | undefined)[]; ports: number[] }

/** `.example.com` is example.com and *.example.com, both ranked as a wildcard; `_` and "" name no host. */
function site(s: NamedServer, report: Report): Site {
  const names: string[] = [];
  const weak = new Set<string>();
  for (const n of s.names.map((x) => x.toLowerCase())) {
    if (n === "_" || n === "") continue;
    if (n.startsWith(".") && HOST.test(n.slice(1))) names.push(n.slice(1), `*${n}`), weak.add(n.slice(1));
    else if (HOST.test(n)) names.push(n);
    else report.skip(s.node, `server_name ${n}: only exact names and *.example.com wildcards convert`);
  }
  return { names: [...new Set(names)], weak, node: s.node };
}

/**
 * The host groups of `s` on its routed ports. Each name it lists that an earlier server of the
 * port has too, and every route of a server that names no host and is not the port's default
 * server (NGINX matches `_` or "" only as that literal Host), are reported on `nodes` as never used.
 */
const isDefaultOn = (s: NamedServer, peers: NamedServer[], port: number) => (peers.find((x) => x.listens.some((y) => y.port === port && y.isDefault)) ?? peers[0]) === s;
const label = (s: NamedServer) => (s.names.length ? `server_name ${s.names.map((n) => n || '""').join(" ")}` : "no server_name");

export function serverHosts(s: NamedServer, all: NamedServer[], routed: number[], nodes: Node[], report: Report): HostGroup[] {
  const sites = new Map(all.map((x) => [x, site(x, report)]));
  const me = sites.get(s)!;
  return byHosts(routed, (port) => {
    const peers = all.filter((x) => x.listens.some((y) => y.port === port));
    const isDefault = isDefaultOn(s, peers, port);
    if (!isDefault && !me.names.length) {
      for (const n of nodes) report.skip(n, `never used on port ${port}: a server with ${label(s)} is reached only by a request whose Host is that literal name, and it is not the port's default_server`);
      return [];
    }
    const { hosts, lost } = siteHosts(me, peers.map((x) => sites.get(x)!), isDefault, "nginx");
    for (const { name, owner } of lost) {
      for (const n of nodes) report.skip(n, `never used for ${name} on port ${port}: NGINX gives it to the first server that names it (conflicting server name ... ignored), ${owner.node.loc.file}:${owner.node.loc.line}`);
    }
    return hosts;
  });
}

/**
 * Whether `s` is never used: on none of its ports is it the default server, and it names no
 * host, or an earlier server of the port has each of its names (above). Then the server and
 * each directive in it (proxy_set_header, add_header, ssl_certificate...) are reported as such.
 */
export function unusedServer(s: NamedServer, all: NamedServer[], report: Report): boolean {
  const sites = new Map(all.map((x) => [x, site(x, report)]));
  const ports = [...new Set(s.listens.map((l) => l.port))].map((port) => {
    const peers = all.filter((x) => x.listens.some((y) => y.port === port));
    return { port, sites: peers.map((x) => sites.get(x)!), isDefault: isDefaultOn(s, peers, port) };
  });
  const me = sites.get(s)!;
  const lost = lostEverywhere(me, ports, "nginx");
  const why = lost
    ? neverUsed("server", lost, (n) => `NGINX gives ${n} to the first server that names it (conflicting server name ... ignored)`)
    : !me.names.length && ports.every((p) => !p.isDefault) && `never used: this server answers no request; on ${portWords(ports.map((p) => p.port))} a server with ${label(s)} is reached only by a request whose Host is that literal name, and it is not the default_server there`;
  if (why) report.skipBlock(s.node, why);
  return !!why;
}

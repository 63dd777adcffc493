/**
 * What an Apache httpd configuration means, as apache.ts reads it: the main server, the
 * VirtualHosts with their addresses, the balancers each server owns and the passes that use
 * them. apache-vhost.ts turns this model into routes.json.
 */
import type { Node } from "./report.ts";
import { emptyRules, type HeaderRules, type Rewrite, type StickyCookie } from "./apache-headers.ts";

export interface Pass { path: string; target: string; params: Map<string, string>; node: Node; inLocation?: boolean }
/** One `<VirtualHost>` address: `*:443` has no host; `*` or no port is left without a port. */
export interface Addr { host?: string; port?: number }
export interface Server {
  node: Node; addrs: Addr[]; names: string[];
  /** The listener ports the server answers on, once collect() has seen every Listen. */
  ports: number[];
  /** certs and keys pair up in order: httpd 2.4 takes one SSLCertificateFile/KeyFile pair per key type (RSA, ECDSA). */
  ssl: { engine: boolean; certs: string[]; keys: string[]; chain?: string; node?: Node };
  /** SSLProxy* of the server; a <Proxy balancer://> section's own override them (httpd 2.4.30+). */
  proxySsl: ProxySsl;
  preserveHost?: boolean; timeout?: number; proxyTimeout?: number; encodedSlashes?: Node;
  passes: Pass[]; reverses: { path: string; url: string; node: Node }[];
  cookiePaths: { from: string; to: string; node: Node }[];
  resp: HeaderRules; req: HeaderRules; rewrite: Rewrite;
  redirects: { status: number; path: string; to: string; node: Node }[];
  balancerManager?: Node;
  /** httpd keeps balancers per server: `<Proxy balancer://x>` in two vhosts are two balancers. */
  balancers: Map<string, Balancer>;
}
export interface ProxySsl {
  proxyVerify?: Node; proxyCa?: string; checkPeerNameOff?: Node | null;
  /** SSLProxyMachineCertificateFile: the client certificate and its key in one PEM file */
  proxyCert?: string;
}
/** `pool` is the routes.json pool made for it, once a ProxyPass uses it. */
export interface Balancer { name: string; node: Node; members: { url: string; params: Map<string, string>; node: Node }[]; params: Map<string, string>; paramNodes: Node[]; pool?: string; proxySsl: ProxySsl; sslKey?: string }
export interface ApacheModel {
  clientTimeouts: { field: "header" | "body" | "keepAlive"; ms: number; node: Node }[];
  main: Server; vhosts: Server[]; listens: { host?: string; port: number; node: Node }[];
  passphraseCommand?: string; sticky: StickyCookie[];
  /** RemoteIPTrustedProxy / RemoteIPInternalProxy lines: routes.json's trustedProxies. */
  trusted: Node[];
  accessLog?: { path: string; format: string; node: Node };
}

export function newServer(node: Node, addrs: Addr[] = []): Server {
  return { node, addrs, names: [], ports: [], ssl: { engine: false, certs: [], keys: [] }, proxySsl: {}, passes: [], reverses: [], cookiePaths: [], resp: emptyRules(), req: emptyRules(), rewrite: { on: false, conds: [], deny: [] }, redirects: [], balancers: new Map() };
}

/**
 * Each server's ports. The main server answers on every Listen (httpd uses it for an address no
 * VirtualHost names); a VirtualHost on each port of its addresses, `<VirtualHost *:80 *:8080>`
 * on both. An address without a port (`*`, `_default_:*`) answers on every Listen port (else
 * 80): httpd parses the missing port as 0, and vhost.c matches port 0 on any port.
 */
export function resolvePorts(model: ApacheModel): void {
  const listened = [...new Set(model.listens.map((l) => l.port))];
  model.main.ports = listened.length ? listened : [80];
  for (const v of model.vhosts) v.ports = [...new Set(v.addrs.flatMap((a) => (a.port === undefined ? model.main.ports : [a.port])))];
}

export function params(words: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const w of words) {
    const at = w.indexOf("=");
    if (at > 0) m.set(w.slice(0, at).toLowerCase(), w.slice(at + 1));
  }
  return m;
}

export const balancerName = (url: string) => url.replace(/^balancer:\/\//i, "").replace(/\/.*$/, "");

/** The balancer a `<Proxy balancer://>` section defines in server s (made on first mention). */
export function ownBalancer(s: Server, url: string, n: Node): Balancer {
  const name = balancerName(url);
  let b = s.balancers.get(name);
  if (!b) s.balancers.set(name, (b = { name, node: n, members: [], params: new Map(), paramNodes: [], proxySsl: {} }));
  return b;
}

/**
 * The balancer a name means in server s. httpd (2.4, BalancerInherit On) looks in the main
 * server's balancers before the vhost's own: a vhost's `<Proxy balancer://x>` beside a main
 * server's x is never used.
 */
export function findBalancer(model: ApacheModel, s: Server, name: string): Balancer | undefined {
  return model.main.balancers.get(name) ?? s.balancers.get(name);
}

export function allBalancers(model: ApacheModel): Balancer[] {
  return [model.main, ...model.vhosts].flatMap((s) => [...s.balancers.values()]);
}

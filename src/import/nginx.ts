/**
 * NGINX configuration -> routes.json: `http {}` (or a conf.d snippet of upstream and server
 * blocks), one listener per listen port, one route per prefix location and server name.
 */
import { dirname } from "node:path";
import { Draft, type Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";
import { parseUpstream, type Upstream } from "./nginx-upstream.ts";
import { locationRoute } from "./nginx-location.ts";
import { forHost, redirectRoutes, redirectTarget, sameTarget, serverAnswer, serverRedirect } from "./nginx-return.ts";
import { Scope } from "./nginx-scope.ts";
import { nginxMs } from "./nginx-upstream.ts";
import { addCatchAlls, type CatchAll } from "./catch-all.ts";
import { serverHosts, unusedServer } from "./nginx-hosts.ts";

const CLIENT_TIMEOUT: Record<string, "header" | "body" | "keepAlive"> = { client_header_timeout: "header", client_body_timeout: "body", keepalive_timeout: "keepAlive" };
/** NGINX's own defaults (ngx_http_core_module), written out so the import keeps them. */
const NGINX_CLIENT_TIMEOUTS = { header: 60_000, body: 60_000, keepAlive: 75_000 };

/** client_*_timeout / keepalive_timeout (http or server level) -> clientTimeouts; true when n is one. */
function clientTimeout(n: Node, draft: Draft, report: Report): boolean {
  const field = CLIENT_TIMEOUT[n.name];
  if (!field) return false;
  const ms = nginxMs(n.args[0] ?? "");
  if (ms === undefined) report.skip(n, "expected a time such as 60s");
  else if (ms === 0) report.skip(n, field === "keepAlive" ? "0 turns client keep-alive off; the proxy always keeps connections open" : "0 is not converted");
  else draft.clientTimeout(field, ms, n);
  if (n.args[1] !== undefined) report.skip(n, "the second value (the Keep-Alive response header) is not sent");
  return true;
}

const MAIN_WHY: Record<string, string> = {
  user: "use proxy --user", worker_processes: "use proxy --workers", pid: "the proxy writes no pid file",
  error_log: "the proxy's own log goes to standard error (eventLog)", events: "connection handling is the proxy's own",
  worker_rlimit_nofile: "set the file limit in the service manager",
};
const HTTP_WHY: Record<string, string> = {
  sendfile: "the proxy serves no files", tcp_nopush: "the proxy sets its own socket options", tcp_nodelay: "the proxy sets its own socket options",
  types: "the proxy serves no files", default_type: "the proxy serves no files", types_hash_max_size: "the proxy serves no files",
  gzip: "the proxy never compresses or decompresses bodies",
  log_format: "access log formats are combined or json", server_tokens: "the proxy sends no Server header of its own",
  root: "the proxy serves no files", index: "the proxy serves no files", ssl_ciphers: "the proxy uses Bun's TLS cipher defaults",
  ssl_prefer_server_ciphers: "the proxy uses Bun's TLS cipher defaults", ssl_session_cache: "TLS sessions are Bun's", ssl_session_timeout: "TLS sessions are Bun's",
  map: "map blocks are not converted", resolver: "members are resolved by the system resolver",
};

export function importNginx(nodes: Node[], draft: Draft, report: Report): void {
  const upstreams = new Map<string, Upstream>();
  const servers: { node: Node; scope: Scope }[] = [];
  const httpScope = new Scope();
  const http = (children: Node[]) => {
    for (const n of children) {
      if (n.name === "upstream") { const u = parseUpstream(n, report); upstreams.set(u.name, u); }
      else if (n.name === "server" && n.children) servers.push({ node: n, scope: httpScope });
      else if (clientTimeout(n, draft, report)) continue;
      else if (HTTP_WHY[n.name]) report.skip(n, HTTP_WHY[n.name]!);
      else if (n.children) report.skip(n, `${n.name} blocks are not converted`);
      else httpScope.add(n);
    }
  };
  for (const n of nodes) {
    if (n.name === "http" && n.children) http(n.children);
    else if (n.name === "upstream" || n.name === "server") http([n]);
    else if (clientTimeout(n, draft, report)) continue;
    else if (MAIN_WHY[n.name]) report.skip(n, MAIN_WHY[n.name]!);
    else if (n.children) report.skip(n, `${n.name} blocks are not converted (only http)`);
    else httpScope.add(n);
  }
  const parsed = servers.map((s) => parseServer(s.node, s.scope, draft, report));
  // A server no request reaches writes nothing: no routes, certificate or client timeouts.
  const live = parsed.filter((s) => !unusedServer(s, parsed, report));
  const catchAlls: CatchAll[] = [];
  for (const s of live) convertServer(s, live, upstreams, draft, report, catchAlls);
  addCatchAlls(draft, catchAlls);
  httpScope.reportUnused(report);
  draft.clientTimeoutDefaults(NGINX_CLIENT_TIMEOUTS);
}

interface Listen { port: number; host?: string; ssl: boolean; isDefault: boolean; node: Node }
interface ParsedServer { node: Node; scope: Scope; listens: Listen[]; names: string[]; locations: Node[]; timeouts: Node[]; redirect?: ReturnType<typeof serverRedirect> }

function parseServer(node: Node, parent: Scope, draft: Draft, report: Report): ParsedServer {
  const scope = parent.child();
  const s: ParsedServer = { node, scope, listens: [], names: [], locations: [], timeouts: [] };
  let sslOn = false;
  for (const c of node.children!) {
    if (c.name === "listen") {
      const [addr = "80", ...flags] = c.args;
      const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(addr) ?? (/^\d+$/.test(addr) ? null : /^()(\d+)$/.exec(`:${addr}`));
      if (!m) { report.skip(c, "only [address:]port listens convert"); continue; }
      const host = m[1]?.replace(/^\[|\]$/g, "");
      if (host === "::") { report.note(c, "IPv6 listens are served by the same listener"); continue; }
      s.listens.push({ port: Number(m[2]), host: host === "*" ? undefined : host, ssl: flags.includes("ssl"), isDefault: flags.includes("default_server") || flags.includes("default"), node: c });
      for (const f of flags.filter((x) => !["ssl", "default_server", "default", "http2"].includes(x))) report.skip(c, `listen parameter ${f} is not converted`);
    } else if (c.name === "server_name") s.names.push(...c.args);
    else if (c.name === "ssl") sslOn = (c.args[0] ?? "") === "on";
    else if (c.name === "location") s.locations.push(c);
    else if (CLIENT_TIMEOUT[c.name]) s.timeouts.push(c);
    else if (HTTP_WHY[c.name]) report.skip(c, HTTP_WHY[c.name]!);
    else if (c.children) report.skip(c, `${c.name} blocks are not converted`);
    else scope.add(c);
  }
  if (!s.listens.length) s.listens.push({ port: 80, ssl: false, isDefault: false, node });
  if (sslOn) for (const l of s.listens) l.ssl = true;
  s.redirect = serverRedirect(scope, report);
  // $server_name is the server's first name: a fixed host.
  const first = s.names.find((n) => n && n !== "_");
  if (s.redirect && first) s.redirect.to = s.redirect.to.replaceAll("$server_name", first.toLowerCase());
  return s;
}

/** The server's redirect goes to $host or to one of its own server_names. */
function toOwnName(p: ParsedServer): boolean {
  const host = redirectTarget(p.redirect!).host;
  return host === undefined || p.names.some((n) => n.toLowerCase() === host);
}

function convertServer(s: ParsedServer, all: ParsedServer[], upstreams: Map<string, Upstream>, draft: Draft, report: Report, catchAlls: CatchAll[]): void {
  const dir = dirname(s.node.loc.file);
  for (const t of s.timeouts) clientTimeout(t, draft, report);
  const routed: number[] = [];
  for (const l of s.listens) {
    const listener = draft.listener(l.port, l.host);
    if (l.ssl) tls(s, listener, draft, dir, report);
    const peers = all.filter((x) => x.listens.some((y) => y.port === l.port));
    const redirects = peers.map((p) => p.redirect!);
    const redirecting = s.redirect && peers.every((p) => p.redirect) && !l.ssl;
    // redirectHttps keeps the Host the client sent: only where NGINX's target is $host or that name.
    if (redirecting && sameTarget(redirects) && peers.every(toOwnName)) {
      const { port, status } = redirectTarget(s.redirect!);
      listener.redirectHttps = { port, status };
    } else if (!routed.includes(l.port)) {
      // One redirectHttps answers the whole port one way: servers that redirect differently get routes.
      if (redirecting && !sameTarget(redirects)) report.note(s.redirect!.node, `the servers of port ${l.port} redirect to different ports or statuses: one keepPath redirect route per server_name, not one redirectHttps listener`);
      else if (redirecting) report.note(s.redirect!.node, `NGINX sends every client to ${redirectTarget(s.redirect!).host}, whatever Host it asked for: a keepPath redirect route, not a redirectHttps listener (which keeps the client's Host)`);
      routed.push(l.port);
    }
  }
  const groups = serverHosts(s, all, routed, s.redirect ? [s.redirect.node] : s.locations.length ? s.locations : [s.node], report);
  if (s.redirect && (s.listens.every((l) => !l.ssl) || routed.length)) {
    if (s.locations.length) report.skip(s.locations[0]!, "the server redirects every request first; its locations are never used");
    redirectRoutes(s.redirect, s.names, groups, routed, draft, report);
    s.scope.reportUnused(report);
    return;
  }
  const whole = serverAnswer(s.scope, report);
  if (whole) {
    for (const g of groups) for (const h of g.hosts) draft.addRoute(h ? { host: h, ...whole.route } : { ...whole.route }, whole.node, g.ports);
    for (const loc of s.locations) report.skip(loc, `never used: the server's ${whole.node.text} (line ${whole.node.loc.line}) answers every request first`);
    s.scope.reportUnused(report);
    return;
  }
  if (!s.locations.length) report.skip(s.node, "a server without locations serves files; nothing to convert");
  const routes = s.locations.flatMap((loc) => [locationRoute(loc, s.scope, upstreams, draft, report, s.names.find((n) => n && n !== "_")?.toLowerCase())].filter((r) => r !== undefined).map((route) => ({ route, loc })));
  for (const g of groups) {
    for (const { route, loc } of routes) for (const h of g.hosts) {
      const r = forHost(route, h, loc, report);
      if (r) draft.addRoute(r, loc, g.ports);
    }
    const named = g.hosts.filter((h) => h !== undefined);
    if (named.length && !routes.some((r) => r.route.path === "/")) catchAlls.push({ hosts: named, ports: g.ports, node: s.node, why: "as NGINX serves them from this server's root, never by the default server's locations" });
  }
  s.scope.reportUnused(report);
}

function tls(s: ParsedServer, listener: Json, draft: Draft, dir: string, report: Report): void {
  const certs = s.scope.take("ssl_certificate");
  const keys = s.scope.take("ssl_certificate_key");
  const pass = s.scope.take("ssl_password_file")[0];
  const protocols = s.scope.take("ssl_protocols")[0];
  if (!certs.length) return report.skip(s.node, "ssl without ssl_certificate: no certificate to serve");
  const t = (listener.tls ??= { certificates: [] }) as { certificates: Json[]; minVersion?: string };
  certs.forEach((c, i) => {
    const file = c.args[0] ?? "";
    if (file.includes("$")) return report.skip(c, "certificates named by variables are not converted");
    const cert: Json = { cert: draft.file(file, dir), key: draft.file(keys[i]?.args[0] ?? file, dir) };
    if (pass) cert.passphraseFile = draft.file(pass.args[0] ?? "", dir);
    if (!t.certificates.some((x) => x.cert === cert.cert)) t.certificates.push(cert);
  });
  if (pass) report.note(pass, "NGINX tries each line of the file; passphraseFile is one passphrase");
  if (protocols) {
    const v = protocols.args.filter((p) => p === "TLSv1.2" || p === "TLSv1.3").sort()[0];
    if (v === "TLSv1.3") t.minVersion = v;
    if (protocols.args.some((p) => p !== "TLSv1.2" && p !== "TLSv1.3")) report.note(protocols, "the proxy offers TLS 1.2 and 1.3 only");
  }
}

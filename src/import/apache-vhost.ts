/**
 * The Apache model as routes.json: one listener per port, one route per ProxyPass (and per
 * host of a name-based vhost), in httpd's order of precedence.
 */
import { dirname } from "node:path";
import { Draft, duration, routePath, splitUrl, validHost, type Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";
import { allBalancers, backendTimeout, collect, findBalancer, type ApacheModel, type Pass, type Server } from "./apache.ts";
import { hasRules, rulesJson } from "./apache-headers.ts";
import { poolFor, type PoolUse } from "./apache-balancer.ts";
import { addCatchAlls, type CatchAll } from "./catch-all.ts";
import { reverses } from "./apache-reverse.ts";

const HOST = /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
export const ADMIN_LISTEN = "127.0.0.1:9090";
/**
 * httpd's defaults for what clients may take: KeepAliveTimeout 5, and mod_reqtimeout's
 * header=20-40,MinRate=500 body=20,MinRate=500 (loaded by Debian's default config). With no
 * MinRate here, the header limit is the upper end, 40s: never shorter than httpd allows.
 */
const APACHE_CLIENT_TIMEOUTS = { header: 40_000, body: 20_000, keepAlive: 5_000 };

export function importApache(nodes: Node[], draft: Draft, report: Report): void {
  const model = collect(nodes, report);
  const servers = model.vhosts.length ? model.vhosts : [model.main];
  const firstListen = model.listens[0];
  for (const s of servers) s.port ??= firstListen?.port ?? 80;
  for (const l of model.listens) {
    if (!servers.some((s) => s.port === l.port)) report.skip(l.node, "no VirtualHost serves this port");
  }
  if (model.vhosts.length && (model.main.passes.length || hasRules(model.main.resp))) {
    report.note(model.main.passes[0]?.node ?? model.main.node, "server-wide ProxyPass and Header rules apply to every VirtualHost (httpd merges them in)");
  }
  const seen = new Set<number>();
  const catchAlls: CatchAll[] = [];
  for (const s of servers) {
    const isDefault = !seen.has(s.port!);
    seen.add(s.port!);
    const peers = servers.filter((x) => x.port === s.port);
    server(s, isDefault, peers, model, draft, report, catchAlls);
  }
  addCatchAlls(draft, catchAlls);
  for (const b of model.vhosts.flatMap((v) => [...v.balancers.values()])) {
    const main = model.main.balancers.get(b.name);
    if (main) report.skip(b.node, `never used: httpd looks up balancer://${b.name} in the main server first, ${main.node.loc.file}:${main.node.loc.line}; rename one of them`);
  }
  for (const st of model.sticky) {
    if (!allBalancers(model).some((b) => b.params.get("stickysession")?.split("|")[0] === st.name)) report.skip(st.node, "no balancer's stickysession names this cookie");
  }
  for (const t of model.clientTimeouts) draft.clientTimeout(t.field, t.ms, t.node);
  draft.clientTimeoutDefaults(APACHE_CLIENT_TIMEOUTS);
  const log = model.accessLog;
  if (log) {
    if (log.path.startsWith("|")) report.skip(log.node, "piped logs are not supported; the access log goes to a file or standard output");
    else {
      draft.accessLog = { format: "combined", path: draft.file(log.path, dirname(log.node.loc.file)) };
      if (log.format !== "combined") report.note(log.node, `the ${log.format} format is written as combined (Apache's combined with route, pool, member and duration appended)`);
    }
  }
}

function server(s: Server, isDefault: boolean, peers: Server[], model: ApacheModel, draft: Draft, report: Report, catchAlls: CatchAll[]): void {
  const listen = model.listens.find((l) => l.port === s.port);
  const listener = draft.listener(s.port!, listen?.host ?? s.host);
  if (s.ssl.engine) tls(s, listener, model, draft);
  const redirectOnly = (x: Server) => !x.passes.length && x.redirects.some((r) => r.path === "/" && /^https:/i.test(r.to));
  if (redirectOnly(s) && peers.every(redirectOnly) && !s.ssl.engine) {
    const r = s.redirects.find((x) => x.path === "/")!;
    const u = splitUrl(r.to);
    listener.redirectHttps = { port: u?.port ?? 443, status: [301, 302, 307, 308].includes(r.status) ? r.status : 301 };
    if (u && !s.names.map((n) => n.toLowerCase()).includes(u.host.toLowerCase())) report.note(r.node, `httpd sends every client to ${u.host}; redirectHttps keeps the host the client asked for`);
    if (u && u.path !== "/") report.note(r.node, `the target path ${u.path} is not kept: redirectHttps keeps the client's path`);
    for (const x of s.redirects.filter((y) => y !== r)) report.skip(x.node, "the listener redirects every request to HTTPS");
    return;
  }
  const hosts = hostsOf(s, isDefault, report);
  const main = model.main;
  const passes = s === main ? s.passes : [...s.passes, ...main.passes];
  const use: PoolUse = { model, draft, report, server: s, main };
  const routes: Json[] = [];
  const kept: Pass[] = [];
  for (const p of passes) {
    const shadow = kept.find((k) => covers(k.path, p.path));
    if (shadow) { report.skip(p.node, `never used: httpd takes the first match, ${shadow.node.text.trim()} (line ${shadow.node.loc.line})`); continue; }
    const route = pass(p, s, use);
    if (!route) continue;
    kept.push(p);
    routes.push(route);
  }
  for (const r of s.redirects) {
    report.note(r.node, `routes.json redirects to exactly ${r.to} (httpd appends the rest of the path)`);
    routes.push({ path: routePath(r.path), redirect: { to: r.to, status: r.status } });
  }
  if (s.balancerManager || main.balancerManager) {
    draft.admin = { listen: ADMIN_LISTEN };
    report.note(s.balancerManager ?? main.balancerManager!, `the balancer manager's job (members, states, weights) is the admin listener, ${ADMIN_LISTEN}; /balancer-manager answers 404 on the public listeners`);
    if (!routes.some((r) => r.path === "/balancer-manager")) routes.unshift({ path: "/balancer-manager", respond: { status: 404 } });
  }
  reverses(s, main, routes, draft);
  const forbid = s.rewrite.forbidAll;
  if (forbid && !routes.some((r) => r.path === "/")) routes.push({ path: "/", respond: { status: 403 } });
  for (const r of routes) {
    if (forbid) { for (const k of Object.keys(r)) if (k !== "path") delete r[k]; r.respond = { status: 403 }; }
    if (s.rewrite.deny.length) r.denyMethods = [...s.rewrite.deny];
    for (const h of hosts) draft.addRoute(h ? { host: h, ...r } : { ...r }, (r as { _node?: Node })._node ?? s.node);
  }
  for (const r of draft.routes) delete r._node, delete r._balancer;
  const named = hosts.filter((h) => h !== undefined);
  if (named.length && !routes.some((r) => r.path === "/")) catchAlls.push({ hosts: named, node: s.node, why: "as httpd serves them from this vhost's DocumentRoot, never by the default vhost" });
}

/** httpd matches ProxyPass paths at segment boundaries, first in configuration order. */
function covers(earlier: string, later: string): boolean {
  if (earlier === later || earlier === "/") return true;
  return earlier.endsWith("/") ? later.startsWith(earlier) : later.startsWith(`${earlier}/`);
}

function hostsOf(s: Server, isDefault: boolean, report: Report): (string | undefined)[] {
  // The first vhost of a port also answers every Host no other vhost names (httpd's default vhost).
  if (isDefault) return [undefined];
  const names = [...new Set(s.names.map((n) => n.toLowerCase()))].filter((n) => {
    if (HOST.test(n)) return true;
    report.skip(s.node, `the name ${n} is not a host name or *.example.com wildcard`);
    return false;
  });
  if (!names.length) report.note(s.node, "a VirtualHost that is not the port's first needs a ServerName to be reached; its routes serve any host");
  return names.length ? names : [undefined];
}

function pass(p: Pass, s: Server, use: PoolUse): Json | undefined {
  const { report, model } = use;
  const path = routePath(p.path);
  const base: Json = { path, _node: p.node };
  if (p.target === "!") return { ...base, respond: { status: 404 } };
  let pool: string | undefined;
  let targetPath: string;
  // The timeout the pool already has from the worker itself (timeout= on the URL, or on every member).
  let ownTimeout = false;
  if (/^balancer:\/\//i.test(p.target)) {
    const name = p.target.slice("balancer://".length).replace(/\/.*$/, "");
    const b = findBalancer(model, use.main.passes.includes(p) ? use.main : s, name);
    if (!b) return report.skip(p.node, `no <Proxy balancer://${name}> defines this balancer`), undefined;
    targetPath = p.target.slice("balancer://".length + name.length);
    pool = poolFor(p, { kind: "balancer", b }, use);
    base._balancer = name;
    ownTimeout = b.members.some((m) => m.params.has("timeout"));
  } else {
    const u = splitUrl(p.target);
    if (!u || !validHost(u.host)) return report.skip(p.node, `${JSON.stringify(p.target)} is not an http(s)://host:port URL or balancer://`), undefined;
    targetPath = u.path;
    pool = poolFor(p, { kind: "url", url: p.target }, use);
    ownTimeout = Number(p.params.get("timeout")) > 0;
    for (const k of p.params.keys()) {
      if (!["timeout", "connectiontimeout", "retry", "lbmethod", "stickysession", "nofailover", "maxattempts"].includes(k)) report.skip(p.node, `parameter ${k} is not converted`);
    }
  }
  if (!pool) return undefined;
  const route: Json = { ...base, pool };
  const rewrite = targetPath || "/";
  if (rewrite !== path && !(rewrite === `${path}/`)) route.rewritePrefix = rewrite;
  if (!(s.preserveHost ?? use.main.preserveHost ?? false)) route.preserveHost = false;
  if (s.encodedSlashes ?? use.main.encodedSlashes) route.allowEncodedSlashes = true;
  // The worker's own timeout= comes before ProxyTimeout and Timeout in httpd: the pool has it.
  const t = backendTimeout(s);
  if (t !== undefined && t !== backendTimeout(use.main) && !ownTimeout) route.timeouts = { connect: duration(t), response: duration(t), idle: duration(t) };
  const resp = rulesJson({ set: { ...use.main.resp.set, ...s.resp.set }, add: { ...use.main.resp.add, ...s.resp.add }, remove: [...use.main.resp.remove, ...s.resp.remove], edit: [...use.main.resp.edit, ...s.resp.edit] }, true);
  const req = rulesJson({ set: { ...use.main.req.set, ...s.req.set }, add: { ...use.main.req.add, ...s.req.add }, remove: [...use.main.req.remove, ...s.req.remove], edit: [] }, false);
  if (Object.keys(req).length) route.requestHeaders = req;
  if (Object.keys(resp).length) route.responseHeaders = resp;
  return route;
}

function tls(s: Server, listener: Json, model: ApacheModel, draft: Draft): void {
  const dir = dirname(s.node.loc.file);
  if (!s.ssl.cert) return draft.report.skip(s.ssl.node!, "SSLEngine on without SSLCertificateFile: no certificate to serve");
  const cert: Json = { cert: draft.file(s.ssl.cert, dir), key: draft.file(s.ssl.key ?? s.ssl.cert, dir) };
  if (s.ssl.chain) cert.chain = draft.file(s.ssl.chain, dir);
  if (model.passphraseCommand) cert.passphraseCommand = draft.file(model.passphraseCommand, dir);
  const t = (listener.tls ??= { certificates: [] }) as { certificates: Json[] };
  if (!t.certificates.some((c) => c.cert === cert.cert)) t.certificates.push(cert);
}

/**
 * The Apache model as routes.json: one listener per port, one route per ProxyPass (and per
 * host of a name-based vhost), in httpd's order of precedence.
 */
import { dirname } from "node:path";
import { Draft, duration, routePath, splitUrl, validHost, type Json } from "./emit.ts";
import { within, type Node, type Report } from "./report.ts";
import { collect } from "./apache.ts";
import { allBalancers, findBalancer, type ApacheModel, type Pass, type Server } from "./apache-model.ts";
import { backendTimeout, workerTimeouts } from "./apache-timeouts.ts";
import { hasRules, rulesJson } from "./apache-headers.ts";
import { poolFor, type PoolUse } from "./apache-balancer.ts";
import { addCatchAlls, type CatchAll } from "./catch-all.ts";
import { reverses } from "./apache-reverse.ts";
import { listeners } from "./apache-listen.ts";
import { redirectRoute } from "./apache-redirect.ts";
import { unusedVhost, vhostHosts } from "./apache-hosts.ts";

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
  for (const l of model.listens) {
    if (!servers.some((s) => s.ports.includes(l.port))) report.skip(l.node, "no VirtualHost serves this port");
  }
  if (model.vhosts.length && (model.main.passes.length || hasRules(model.main.resp))) {
    report.note(model.main.passes[0]?.node ?? model.main.node, "server-wide ProxyPass and Header rules apply to every VirtualHost (httpd merges them in)");
  }
  // A vhost no request reaches writes nothing: no routes, certificate, log or client timeouts.
  const unused = servers.filter((s) => model.vhosts.length && unusedVhost(s, servers, report));
  const dead = new Set(unused.flatMap((s) => within(s.node)));
  const live = servers.filter((s) => !unused.includes(s));
  model.clientTimeouts = model.clientTimeouts.filter((t) => !dead.has(t.node));
  model.sticky = model.sticky.filter((t) => !dead.has(t.node));
  if (model.accessLog && dead.has(model.accessLog.node)) model.accessLog = undefined;
  const catchAlls: CatchAll[] = [];
  for (const s of live) server(s, live, model, draft, report, catchAlls);
  addCatchAlls(draft, catchAlls);
  for (const b of model.vhosts.flatMap((v) => [...v.balancers.values()])) {
    const main = model.main.balancers.get(b.name);
    if (main) report.skip(b.node, `never used: httpd looks up balancer://${b.name} in the main server first, ${main.node.loc.file}:${main.node.loc.line}; rename one of them`);
  }
  for (const st of model.sticky) {
    if (!allBalancers(model).some((b) => b.params.get("stickysession")?.split("|")[0] === st.name)) report.skip(st.node, "no balancer's stickysession names this cookie");
  }
  trust(model, live, draft, report);
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

function server(s: Server, servers: Server[], model: ApacheModel, draft: Draft, report: Report, catchAlls: CatchAll[]): void {
  const routed = listeners(s, servers, model, draft);
  if (!routed.length) return;
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
  // mod_alias merges the main server's Redirects into every vhost, after the vhost's own.
  const done: Server["redirects"] = [];
  for (const r of s === main ? s.redirects : [...s.redirects, ...main.redirects]) {
    // mod_proxy translates the URL (APR_HOOK_FIRST) before mod_alias: a ProxyPass over the path wins.
    const first = kept.find((k) => covers(k.path, r.path));
    const earlier = done.find((k) => covers(k.path, r.path));
    if (first && first.target !== "!") report.skip(r.node, `never used: httpd proxies these paths first, ${first.node.text.trim()} (line ${first.node.loc.line})`);
    else if (earlier) report.skip(r.node, `never used in ${where(s)}: mod_alias takes the first match, ${earlier.node.text.trim()} (${earlier.node.loc.file}:${earlier.node.loc.line})`);
    else routes.push(redirectRoute(r, report)), done.push(r);
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
  }
  // httpd's default vhost of a port (the first on it) answers every Host there; a Host goes to
  // the first vhost of the port that names it (apache-hosts.ts).
  for (const { hosts, ports } of vhostHosts(s, servers, routed, routes, report)) {
    for (const r of routes) for (const h of hosts) draft.addRoute(h ? { host: h, ...r } : { ...r }, (r as { _node?: Node })._node ?? s.node, ports);
    const named = hosts.filter((h) => h !== undefined);
    if (named.length && !routes.some((r) => r.path === "/")) catchAlls.push({ hosts: named, ports, node: s.node, why: "as httpd serves them from this vhost's DocumentRoot, never by the default vhost" });
  }
  for (const r of draft.routes) delete r._node, delete r._balancer;
}

const where = (s: Server) => (s.names[0] ? `the vhost of ${s.names[0]}` : `the vhost of line ${s.node.loc.line}`);

/** httpd matches ProxyPass paths at segment boundaries, first in configuration order. */
function covers(earlier: string, later: string): boolean {
  if (earlier === later || earlier === "/") return true;
  return earlier.endsWith("/") ? later.startsWith(earlier) : later.startsWith(`${earlier}/`);
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
  slashNote(p, rewrite, report);
  if (!(s.preserveHost ?? use.main.preserveHost ?? false)) route.preserveHost = false;
  if (s.encodedSlashes ?? use.main.encodedSlashes) route.allowEncodedSlashes = true;
  // The worker's own timeout= comes before ProxyTimeout and Timeout in httpd: the pool has it.
  const t = backendTimeout(s);
  if (t !== undefined && t !== backendTimeout(use.main) && !ownTimeout) route.timeouts = { connect: duration(t), response: duration(t), idle: duration(t) };
  // Plain URL ProxyPasses share the host:port pool, but each keeps its own timeout= (add_pass
  // makes a worker per URL): a different one goes on the route.
  if (!base._balancer) {
    const own = workerTimeouts((k) => p.params.get(k), t ?? backendTimeout(use.main) ?? 60_000);
    if (JSON.stringify(own) !== JSON.stringify(use.draft.pools.get(pool)?.timeouts)) route.timeouts = own;
    if (p.params.has("timeout")) report.note(p.node, "when a member takes longer than timeout=, httpd answers 502 (mod_proxy_http's read timeout); the proxy answers 504");
  }
  const resp = rulesJson({ set: { ...use.main.resp.set, ...s.resp.set }, add: { ...use.main.resp.add, ...s.resp.add }, remove: [...use.main.resp.remove, ...s.resp.remove], edit: [...use.main.resp.edit, ...s.resp.edit] }, true);
  const req = rulesJson({ set: { ...use.main.req.set, ...s.req.set }, add: { ...use.main.req.add, ...s.req.add }, remove: [...use.main.req.remove, ...s.req.remove], edit: [] }, false);
  if (Object.keys(req).length) route.requestHeaders = req;
  if (Object.keys(resp).length) route.responseHeaders = resp;
  return route;
}

/**
 * mod_remoteip's trusted proxies become trustedProxies. Without them httpd still passes on a
 * client's X-Forwarded-For (appending the client's address) and its X-Forwarded-Proto as sent,
 * which routes.json keeps from trustedProxies only. Where a vhost turns Location into https
 * (TLS ends in a load balancer in front, as in the seeds) that is said at the rule.
 */
function trust(model: ApacheModel, live: Server[], draft: Draft, report: Report): void {
  for (const n of model.trusted) draft.trust(n, n.args);
  if (model.trusted.length) return;
  const offload = live.flatMap((s) => within(s.node)).filter((n) => n.name === "header" && /\bedit\*?\s+Location\s.*https/i.test(n.text));
  for (const n of offload) {
    report.note(n, "TLS ends in front of httpd here: httpd passes that load balancer's X-Forwarded-For and X-Forwarded-Proto on to the members, routes.json only from trustedProxies (it sets its own otherwise): list the load balancer's addresses there");
  }
}

/**
 * httpd's docs: "If the first argument ends with a trailing /, the second argument should also
 * end with a trailing /, and vice versa". When they do not, httpd joins the strings (/b/x to
 * /bbx, /app/x to /app//x) and `ProxyPass /b/` does not take /b; routes.json joins at the slash.
 */
function slashNote(p: Pass, target: string, report: Report): void {
  const slashed = p.path.endsWith("/");
  if (p.path === "/" || slashed === target.endsWith("/")) return;
  const asked = slashed ? `${p.path}x` : `${p.path}/x`;
  report.note(p.node, `the path and the URL disagree on a trailing slash: httpd joins them as strings (${asked} to ${target}${asked.slice(p.path.length)}), routes.json at the slash${slashed ? `, and it takes ${p.path.slice(0, -1)} too (httpd does not)` : ""}`);
}

/**
 * One NGINX `location` -> one routes.json route, with NGINX's inheritance (nginx-scope.ts).
 */
import { dirname } from "node:path";
import { PROXY_OWNED } from "../rewrite/header-rules.ts";
import { Draft, duration, routePath, splitUrl, validHost, type Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";
import { Scope } from "./nginx-scope.ts";
import { nginxMs, type Upstream } from "./nginx-upstream.ts";
import { poolFor } from "./nginx-pool.ts";
import { answer } from "./nginx-return.ts";

const IGNORED: Record<string, string> = {
  proxy_send_timeout: "routes.json has no send timeout (idle covers a stalled body)",
  proxy_buffers: "bodies stream; there are no buffers to size", proxy_buffer_size: "bodies stream; there are no buffers to size",
  proxy_busy_buffers_size: "bodies stream; there are no buffers to size", error_log: "the proxy's own log goes to standard error (eventLog)",
  proxy_ssl_server_name: "the proxy always sends SNI for member host names (NGINX's default is off)",
};
const SILENT = new Set(["proxy_http_version", "proxy_buffering", "proxy_request_buffering"]);

/** `serverName`: the server's first name, what NGINX's $server_name is there. */
export function locationRoute(loc: Node, server: Scope, upstreams: Map<string, Upstream>, draft: Draft, report: Report, serverName?: string): Json | undefined {
  let [mod, path] = loc.args;
  if (path === undefined) [mod, path] = ["", mod];
  if (path === undefined) return report.skip(loc, "a location needs a prefix"), undefined;
  if (mod === "=") return report.skip(loc, "an exact-match location cannot be a routes.json prefix"), undefined;
  if (mod === "~" || mod === "~*") return report.skip(loc, "regex locations cannot be routes.json prefixes"), undefined;
  if (path!.startsWith("@")) return report.skip(loc, "named locations are not converted"), undefined;
  if (!path!.startsWith("/")) return report.skip(loc, "a location prefix starts with /"), undefined;
  const scope = server.child();
  for (const c of loc.children ?? []) c.children ? report.skip(c, "nested blocks are not converted") : scope.add(c);
  const route: Json = { path: routePath(path!) };
  if (path !== "/" && path!.endsWith("/")) report.note(loc, `routes.json matches ${route.path} and everything under it (NGINX answers ${route.path} with a redirect to ${path})`);
  // NGINX prefix locations compare strings: /api also takes /apiv2 and /api.json.
  else if (path !== "/") report.note(loc, `NGINX matches every URI that starts with ${path} (also ${path}v2, ${path}.json); routes.json matches ${path} at a segment boundary (${path}, ${path}/...), so the others go to a shorter route`);
  const body = size(scope, report);
  if (body) route.maxBodySize = body;
  for (const [name, why] of Object.entries(IGNORED)) for (const n of scope.get(name)) report.skip(n, why);
  for (const name of SILENT) scope.get(name);
  accessLog(scope, draft, report);
  const ret = scope.ownGet("return")[0];
  if (ret) {
    const answered = answer(ret, route, scope, report);
    for (const n of scope.ownGet("proxy_pass")) report.skip(n, "never used: the location's return answers first");
    scope.reportUnused(report);
    return answered;
  }
  for (const n of scope.ownGet("rewrite")) report.skip(n, "rewrites inside a location are not converted");
  const passNode = scope.ownGet("proxy_pass")[0];
  if (!passNode) { scope.reportUnused(report); return report.skip(loc, "no proxy_pass or return: NGINX serves files here; nothing to convert"), undefined; }
  const target = passNode.args[0] ?? "";
  const u = target.includes("$") ? undefined : splitUrl(target);
  if (!u || !validHost(u.host)) { scope.reportUnused(report); return report.skip(passNode, "proxy_pass needs http(s)://host[:port][/uri] without variables"), undefined; }
  const explicitPort = /^https?:\/\/[^/]+:\d+/.test(target);
  const up = !explicitPort ? upstreams.get(u.host) : undefined;
  const name = poolFor(u, up, scope, passNode, dirname(loc.loc.file), draft, report);
  if (!name) { scope.reportUnused(report); return undefined; }
  route.pool = name;
  // NGINX never answers %2F with 404: without a URI part it passes the request line as received.
  route.allowEncodedSlashes = true;
  const rest = target.slice(target.indexOf("//") + 2).replace(/^[^/]*/, "");
  if (rest !== "" && rest !== route.path && rest !== `${route.path}/`) route.rewritePrefix = rest;
  headers(scope, route, draft, report, up, serverName);
  redirects(scope, route, report, passNode, up ? `${u.scheme}://${u.host}${rest || route.path}` : undefined);
  const t: Json = {};
  const connect = scope.get("proxy_connect_timeout")[0];
  const read = scope.get("proxy_read_timeout")[0];
  const ms = (n: Node) => {
    const v = nginxMs(n.args[0] ?? "") ?? 60_000;
    if (v === 0) report.skip(n, "0 is not converted: routes.json timeouts are more than 0; the default 60s stays");
    return v === 0 ? undefined : duration(v);
  };
  const connectMs = connect && ms(connect);
  const readMs = read && ms(read);
  if (connectMs) t.connect = connectMs;
  if (readMs) t.response = t.idle = readMs;
  if (Object.keys(t).length) route.timeouts = t;
  scope.reportUnused(report);
  return route;
}

/** NGINX's client_max_body_size defaults to 1m: larger bodies get 413 there, so here too. */
function size(scope: Scope, report: Report): string | undefined {
  const n = scope.get("client_max_body_size")[0];
  const v = (n?.args[0] ?? "1m").toLowerCase();
  const m = /^(\d+)([kmg]?)$/.exec(v);
  if (!m) return report.skip(n!, "expected a size such as 10m"), "1MB";
  if (m[1] === "0") return undefined;
  return `${m[1]}${m[2] ? `${m[2].toUpperCase()}B` : ""}`;
}

function accessLog(scope: Scope, draft: Draft, report: Report): void {
  for (const n of scope.get("access_log")) {
    if (draft.accessLog && (draft.accessLog as { _from?: Node })._from === n) continue;
    if (n.args[0] === "off") { report.skip(n, "the access log is one for the whole proxy and stays on"); continue; }
    if (draft.accessLog) { report.skip(n, "the access log is one for the whole proxy; the first access_log is kept"); continue; }
    draft.accessLog = { format: "combined", path: draft.file(n.args[0] ?? "-", dirname(n.loc.file)) };
    Object.defineProperty(draft.accessLog, "_from", { value: n, enumerable: false });
    if (n.args[1] && n.args[1] !== "combined") report.note(n, `the ${n.args[1]} format is written as combined`);
  }
}

const FORWARDED: Record<string, string[]> = {
  "x-forwarded-for": ["$proxy_add_x_forwarded_for"], "x-forwarded-proto": ["$scheme"], "x-forwarded-host": ["$host", "$http_host"],
  connection: ["$connection_upgrade", "upgrade", "Upgrade"], upgrade: ["$http_upgrade"],
};
const VARS: Record<string, string> = { $host: "{host}", $remote_addr: "{client_ip}", $scheme: "{scheme}" };

/** NGINX's realip module names who may tell the client's address: routes.json's trustedProxies. */
function realIp(scope: Scope, draft: Draft, report: Report): boolean {
  const from = scope.get("set_real_ip_from");
  for (const n of from) draft.trust(n, n.args);
  for (const n of scope.get("real_ip_header")) if (n.args[0]?.toLowerCase() !== "x-forwarded-for") report.skip(n, "routes.json reads a trusted proxy's client address from X-Forwarded-For only");
  scope.get("real_ip_recursive"); // trustedProxies are skipped from the right, as real_ip_recursive on does
  return from.length > 0;
}

const UNTRUSTED_XFF = "NGINX appends to the X-Forwarded-For any client sends; routes.json keeps a client's X-Forwarded-* only from trustedProxies and sets its own otherwise: if a load balancer sits in front, list its addresses in trustedProxies";

function headers(scope: Scope, route: Json, draft: Draft, report: Report, up?: Upstream, serverName?: string): void {
  const trusting = realIp(scope, draft, report);
  for (const n of scope.outer("proxy_set_header")) {
    report.note(n, "not inherited by a location that sets its own proxy_set_header (NGINX inherits them only when a level sets none); left out, as NGINX does");
  }
  const set: Record<string, string> = {};
  const remove: string[] = [];
  let preserve = false;
  for (const n of scope.get("proxy_set_header")) {
    const [name = "", value = ""] = n.args;
    const lname = name.toLowerCase();
    if (lname === "host") {
      if (value === "$host" || value === "$http_host") preserve = true;
      else if (value !== "$proxy_host") report.skip(n, "only Host $host, $http_host or $proxy_host convert");
    } else if (FORWARDED[lname]?.includes(value)) {
      if (lname === "x-forwarded-for" && !trusting) report.note(n, UNTRUSTED_XFF);
      continue; // the proxy sets these itself (and relays WebSocket upgrades)
    }
    else if (PROXY_OWNED.has(lname)) report.note(n, `${name} is written by the proxy itself on each member connection (keep-alive and WebSocket upgrades need no header rule)`);
    else if (value === "") remove.push(name);
    else if (VARS[value]) set[name] = VARS[value]!;
    // The server's first name, whatever Host the client sent (NGINX's $server_name).
    else if (value === "$server_name" && serverName) set[name] = serverName;
    else if (!value.includes("$")) set[name] = value;
    else report.skip(n, `the variable in ${JSON.stringify(value)} is not converted`);
  }
  if (!preserve) {
    route.preserveHost = false;
    if (up) report.note(up.node, `NGINX sends Host: ${up.name} (the upstream's name, $proxy_host); preserveHost false sends the member's host:port`);
  }
  const rules: Json = {};
  if (Object.keys(set).length) rules.set = set;
  if (remove.length) rules.remove = remove;
  if (Object.keys(rules).length) route.requestHeaders = rules;
}

function redirects(scope: Scope, route: Json, report: Report, pass: Node, upstreamUrl?: string): void {
  const rules = scope.get("proxy_redirect");
  if (!rules.length || rules.some((r) => r.args[0] === "default")) {
    if (upstreamUrl && splitUrl(upstreamUrl)) {
      route.reverseAlso = [upstreamUrl];
      // Without a URI part NGINX's default is `proxy_redirect http://NAME/ /` (ngx_http_proxy_merge_loc_conf);
      // routes.json maps an upstream prefix only to its route's path, so under /iph the part outside /iph stays.
      const bare = upstreamUrl.replace(/^(https?:\/\/[^/]+).*$/, "$1/");
      const outside = route.path !== "/" && pass.args[0] !== undefined && !/^https?:\/\/[^/]+\//.test(pass.args[0])
        ? `NGINX's proxy_redirect default maps ${bare} to /; routes.json maps ${upstreamUrl} back to ${route.path as string}, so a redirect to another path under ${bare} reaches the client unchanged`
        : `NGINX's proxy_redirect default maps only ${upstreamUrl}`;
      report.note(rules[0] ?? pass, `${outside}; routes.json also maps the members' own URLs back`);
    }
  }
  for (const r of rules) {
    const [from, to] = r.args;
    if (from === "default") continue;
    if (from === "off") { route.reverse = false; continue; }
    if (from === "http://" && to === "https://") {
      route.responseHeaders = { edit: [{ name: "Location", match: "^http://", replace: "https://" }] };
    } else if (from && splitUrl(from) && (to === route.path || to === `${route.path}/` || to === "/")) {
      route.reverseAlso = [...((route.reverseAlso as string[]) ?? []), from];
    } else report.skip(r, "only proxy_redirect off, default, http:// https:// and URL -> location path convert");
  }
}

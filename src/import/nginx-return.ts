/**
 * NGINX `return` (and the whole-server `rewrite ... permanent`): a redirect, a fixed answer, or
 * the connection closed (444), with the add_header lines NGINX sends beside it.
 */
import { splitUrl, type Draft, type Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";
import type { Scope } from "./nginx-scope.ts";

export interface Redirect { status: number; to: string; node: Node }

/** `return 301 https://$host$request_uri` or `rewrite ^/(.*) https://host/$1 permanent` as the server's whole job. */
export function serverRedirect(scope: Scope, report: Report): Redirect | undefined {
  for (const n of scope.ownGet("return")) {
    const [code, url] = n.args;
    if (url && /^30[1278]$/.test(code ?? "") && /^https:\/\//.test(url) && keepsPath(url)) return { status: Number(code), to: url, node: n };
    if (!/^30\d$/.test(code ?? "") && /^\d{3}$/.test(code ?? "")) continue; // a fixed answer: serverAnswer
    report.skip(n, "only a server-wide return 301 https://...$request_uri converts");
  }
  for (const n of scope.ownGet("rewrite")) {
    const [re, to, flag] = n.args;
    const whole = re === "^/(.*)" || re === "^/(.*)$" || re === "^(.*)$" || re === "^(.*)";
    if (whole && to && /^https:\/\//.test(to) && /\$1$/.test(to) && (flag === "permanent" || flag === "redirect")) return { status: flag === "permanent" ? 301 : 302, to, node: n };
    report.skip(n, "only rewrite ^/(.*) https://host/$1 permanent|redirect converts");
  }
  return undefined;
}

const keepsPath = (url: string) => /\$request_uri$/.test(url);

/**
 * Where a server redirect sends a client: the port, and the host unless it is the client's
 * own ($host, $http_host). `https://$host:8443$request_uri` is port 8443.
 */
export function redirectTarget(r: Redirect): { port: number; host?: string; status: number } {
  const own = /\$(host|http_host)\b/.test(r.to);
  const u = splitUrl(r.to.replace(/\$(host|http_host)\b/g, "client.invalid").replace(/\$\w+$/, "").replace(/^(https?:\/\/[^/]*)$/, "$1/"));
  return { port: u?.port ?? 443, host: own ? undefined : u?.host.toLowerCase(), status: [301, 302, 307, 308].includes(r.status) ? r.status : 301 };
}

/** Whether one redirectHttps listener could answer for these redirects: the same port and status (the host: toOwnName). */
export function sameTarget(rs: Redirect[]): boolean {
  const key = (r: Redirect) => {
    const t = redirectTarget(r);
    return JSON.stringify([t.port, t.status]);
  };
  return rs.every((r) => key(r) === key(rs[0]!));
}

/**
 * The server's redirect as a "/" route with keepPath: `$request_uri` always starts with `/`, so
 * `to` ends in the `/` it brings; `rewrite ^/(.*)` leaves the slash out of $1, `^(.*)` keeps it.
 * `$host` stays for forHost to fill in per server_name.
 */
export function redirectRoutes(r: Redirect, names: string[], groups: { hosts: (string | undefined)[]; ports: number[] }[], routed: number[], draft: Draft, report: Report): void {
  const to = keepsPath(r.to) ? `${r.to.slice(0, -"$request_uri".length)}/` : r.node.args[0]?.startsWith("^/") ? r.to.slice(0, -2) : `${r.to.slice(0, -2)}/`;
  const route = { path: "/", redirect: { to, status: r.status, keepPath: true } };
  // As a port's default server it answers every host: its own exact names can still be written.
  const own = (h: string | undefined) => h || !to.includes("$host") ? [h] : [...names.map((n) => n.toLowerCase()).filter((n) => /^[a-z0-9_.-]+$/.test(n)), undefined];
  for (const g of groups) for (const h of new Set(g.hosts.flatMap(own))) {
    const one = forHost(route, h, r.node, report);
    if (one) draft.addRoute(one, r.node, g.ports);
  }
  // A port where other servers proxy cannot be redirectHttps (that would redirect them too).
  const raw = keepsPath(r.to) ? "; NGINX's $request_uri is the path as the client sent it" : "";
  if (routed.length) report.note(r.node, `other servers proxy (or redirect elsewhere) on port ${routed.join(", ")}: a redirect route with keepPath per server_name, which appends the path as routes match it (runs of / merged, %7E-style escapes decoded, ;parameters dropped)${raw}`);
}

/**
 * The route for one server_name: NGINX's $host is the name the client asked for, so for an
 * exact name it is that name; under a wildcard, or any host of a default server, routes.json
 * cannot write it. undefined (reported) when the route cannot be written.
 */
export function forHost(route: Json, host: string | undefined, node: Node, report: Report): Json | undefined {
  const r = route.redirect as { to: string } | undefined;
  const out = host ? { host, ...route } : { ...route };
  if (!r?.to.includes("$")) return out;
  if (/\$(?!host\b)/.test(r.to)) return report.skip(node, `the variables in ${r.to} are not converted`), undefined;
  if (!host) return report.skip(node, "the server answers other hosts too, and NGINX sends each to its own $host; routes.json cannot write the client's host into a route's redirect (only redirectHttps keeps it, for a whole port)"), undefined;
  if (host.includes("*")) return report.skip(node, `under server_name ${host} $host is the client's own name, which a routes.json redirect cannot write`), undefined;
  return { ...out, redirect: { ...r, to: r.to.replaceAll("$host", host) } };
}

/**
 * A server-level `return 444` / `return 403 text`: NGINX runs it in the rewrite phase, before
 * any location is chosen, so it answers every request to the server: a "/" route.
 */
export function serverAnswer(scope: Scope, report: Report): { route: Json; node: Node } | undefined {
  const node = scope.ownGet("return").find((n) => /^\d{3}$/.test(n.args[0] ?? "") && !/^30\d$/.test(n.args[0]!));
  if (!node) return undefined;
  const route = answer(node, { path: "/" }, scope, report);
  return route && { route, node };
}

/** NGINX adds add_header fields only to these statuses, unless the line ends with `always`. */
const ADDS = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

export function answer(ret: Node, route: Json, scope: Scope, report: Report): Json | undefined {
  const [code, arg] = ret.args;
  const status = Number(code);
  const headers = added(scope, status, report);
  if (status === 444) {
    report.note(ret, "NGINX closes the connection without answering; routes.json cannot, so the route answers status 444 with no body");
    return { ...route, respond: { status } };
  }
  if (status >= 300 && status < 400 && arg && keepsPath(arg) && !headers) {
    // $request_uri is the whole path, the location's prefix too: keepPath appends what follows it.
    return { ...route, redirect: { to: `${arg.slice(0, -"$request_uri".length)}${route.path}`, status, keepPath: true } };
  }
  if (status >= 300 && status < 400 && arg && !arg.includes("$")) {
    // routes.json redirects carry no other headers: with add_header, the same answer as respond.
    if (headers) return { ...route, respond: { status, headers: { Location: arg, ...headers } } };
    return { ...route, redirect: { to: arg, status } };
  }
  if (status >= 200 && status <= 599 && !(status >= 300 && status < 400)) {
    if (arg?.includes("$")) report.skip(ret, `the variables in ${JSON.stringify(arg)} are not converted: the body is sent as written`);
    const respond: Json = arg ? { status, body: arg } : { status };
    if (headers) respond.headers = headers;
    return { ...route, respond };
  }
  return report.skip(ret, "only return with a status (and a fixed URL or text) converts"), undefined;
}

/** add_header beside a return (inherited as NGINX does: a level that sets any replaces the outer ones). */
function added(scope: Scope, status: number, report: Report): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const n of scope.get("add_header")) {
    const [name, value, always] = n.args;
    if (!name || value === undefined) { report.skip(n, "expected add_header NAME VALUE [always]"); continue; }
    if (!ADDS.has(status) && always !== "always") { report.note(n, `not sent with a return ${status}, as in NGINX (without always, add_header is only for 200-206 and 301-308 answers)`); continue; }
    if (value.includes("$")) { report.skip(n, `the variable in ${JSON.stringify(value)} is not converted`); continue; }
    out[name] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

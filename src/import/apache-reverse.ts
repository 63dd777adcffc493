/**
 * ProxyPassReverse and ProxyPassReverseCookiePath of a vhost onto its routes: httpd maps back
 * only the URLs these name; routes.json's `reverse` maps the route's own members.
 */
import { Draft, routePath, splitUrl, type Json } from "./emit.ts";
import type { Node } from "./report.ts";
import type { Server } from "./apache-model.ts";

/** ProxyPassReverse: the route's own members are mapped back by `reverse`; other URLs become reverseAlso. */
export function reverses(s: Server, main: Server, routes: Json[], draft: Draft): void {
  const report = draft.report;
  const all = s === main ? s.reverses : [...s.reverses, ...main.reverses];
  const covered = new Set<Json>();
  for (const r of all) {
    const route = routes.find((x) => x.path === routePath(r.path) && x.pool);
    // httpd maps every Location that starts with the URL: `ProxyPassReverse / balancer://app/`
    // also maps what ProxyPass /carbon balancer://app/carbon sends back, the same way `reverse` does.
    const under = routes.filter((x) => x !== route && x.pool && agrees(r, target(String(x.path), s, main), String(x.path)));
    for (const x of under) covered.add(x);
    if (!route && under.length) continue;
    if (!route) { report.skip(r.node, "no ProxyPass to a pool has this path or maps under it"); continue; }
    const own = /^balancer:\/\//i.test(r.url) ? r.url.slice(11).replace(/\/.*$/, "") === route._balancer : isOwn(r.url, route, s, main, draft);
    if (own) { covered.add(route); continue; }
    if (!splitUrl(r.url)) { report.skip(r.node, `${JSON.stringify(r.url)} is not an http(s) URL`); continue; }
    route.reverseAlso = [...((route.reverseAlso as string[]) ?? []), r.url];
  }
  for (const route of routes) {
    if (!route.pool || covered.has(route)) continue;
    if (route.reverseAlso) report.note(route._node as Node, "routes.json also maps the members' own URLs back (httpd maps only the ProxyPassReverse URLs)");
    else { route.reverse = false; report.note(route._node as Node, "no ProxyPassReverse for this path: Location headers reach the client as the member sent them, as in httpd (reverse: false)"); }
  }
  for (const c of [...s.cookiePaths, ...(s === main ? [] : main.cookiePaths)]) {
    const route = routes.find((x) => x.pool && (x.rewritePrefix ?? x.path) === c.from && x.path === routePath(c.to));
    if (!route) report.note(c.node, "routes.json maps a Set-Cookie Path under a route's rewritePrefix to the route's path, and no other");
  }
}

const bare = (x: string) => x.replace(/\/+$/, "");
const target = (path: string, s: Server, main: Server) => [...s.passes, ...main.passes].find((p) => routePath(p.path) === path)?.target ?? "";

/** Whether ProxyPassReverse path -> url maps a route's own target back to the route's path (the same rest under both). */
function agrees(r: { path: string; url: string }, to: string, path: string): boolean {
  const url = bare(r.url), from = bare(r.path);
  if (!to.toLowerCase().startsWith(url.toLowerCase()) || !path.startsWith(from)) return false;
  const rest = bare(to.slice(url.length)), own = bare(path.slice(from.length));
  return rest === own && (rest === "" || rest.startsWith("/"));
}

/** Whether a ProxyPassReverse URL is the route's own target (what `reverse` maps anyway). */
function isOwn(url: string, route: Json, s: Server, main: Server, draft: Draft): boolean {
  const to = target(String(route.path), s, main);
  if (bare(url) === bare(to)) return true;
  const rest = /^balancer:\/\//i.test(to) ? to.replace(/^balancer:\/\/[^/]*/i, "") : "";
  const members = (draft.pools.get(String(route.pool))?.members ?? []) as { url: string }[];
  return members.some((m) => bare(url) === bare(bare(m.url) + rest));
}

/**
 * mod_alias `Redirect` / `RedirectPermanent` / `RedirectTemp`, and `RedirectMatch` in the form
 * that is a prefix Redirect, as routes with redirect.keepPath.
 *
 * httpd (mod_alias try_alias_list) matches URL-path at segment boundaries against the
 * normalized path and answers URL + the rest of the path, escaped, glued on as it is, then
 * `?query` unless URL has a `?` already: `Redirect /old https://new/x` sends /old/a?q to
 * https://new/x/a?q. keepPath joins `to` and the rest with exactly one slash, so the two agree
 * unless exactly one of URL-path and URL ends in `/`; those are noted with an example.
 */
import { routePath, type Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";
import type { Server } from "./apache-model.ts";

export type ApacheRedirect = Server["redirects"][number];

const STATUS: Record<string, number> = { permanent: 301, temp: 302, seeother: 303, gone: 410 };

export function parseRedirect(n: Node, s: Server, report: Report): void {
  const a = [...n.args];
  let status = n.name === "redirectpermanent" ? 301 : 302;
  // mod_alias: the status comes first when it is a keyword or a number (`Redirect gone /old` has no URL).
  const w = a[0]?.toLowerCase() ?? "";
  if ((n.name === "redirect" || n.name === "redirectmatch") && (w in STATUS || /^\d{3}$/.test(w))) {
    a.shift();
    status = STATUS[w] ?? Number(w);
  }
  let [path, to] = a;
  if (n.name === "redirectmatch") {
    const prefix = path && to ? prefixForm(path, to) : undefined;
    if (!prefix) return report.skip(n, "only RedirectMatch ^/prefix/(.*)$ URL$1 (a prefix Redirect) converts; other regexes are not converted");
    [path, to] = prefix;
  }
  if (!path?.startsWith("/") || !to || !(status >= 300 && status < 400)) return report.skip(n, "only redirects with a 3xx status and a target URL convert");
  s.redirects.push({ status, path, to, node: n });
}

/**
 * `RedirectMatch ^/p/(.*)$ URL$1` answers URL + what follows /p/, as `Redirect /p/ URL` does (both
 * append the query). `^(.*)$ URL$1` keeps the leading slash: `Redirect / URL/`. A literal prefix
 * not ending in `/` also matches /pother, so it is no Redirect.
 */
function prefixForm(re: string, url: string): [string, string] | undefined {
  const m = /^\^(\/(?:[A-Za-z0-9_.~-]+\/)*)?\(\.\*\)\$?$/.exec(re);
  if (!m || !url.endsWith("$1") || /[$\\]/.test(url.slice(0, -2))) return undefined;
  const to = url.slice(0, -2);
  return m[1] ? [m[1], to] : ["/", `${to}/`];
}

export function redirectRoute(r: ApacheRedirect, report: Report): Json {
  const path = routePath(r.path);
  const base = { path, _node: r.node };
  if (/[?#]/.test(r.to)) {
    // keepPath appends after `to`, which then cannot hold a query; httpd glues the path onto it.
    report.note(r.node, `routes.json redirects to exactly ${r.to}: httpd appends the rest of the path after the query (${r.to}/a for ${path}/a)`);
    return { ...base, redirect: { to: r.to, status: r.status } };
  }
  const pathSlash = r.path.endsWith("/"), toSlash = r.to.endsWith("/");
  if (pathSlash && r.path !== "/") report.note(r.node, `httpd redirects only ${r.path} and what is under it; routes.json redirects ${path} too`);
  if (pathSlash !== toSlash) {
    const sent = `${r.path}${pathSlash ? "" : "/"}a`;
    report.note(r.node, `httpd appends the rest of the path as it is: ${sent} goes to ${r.to}${pathSlash ? "" : "/"}a; routes.json joins them with one slash: ${r.to.replace(/\/$/, "")}/a`);
  }
  return { ...base, redirect: { to: r.to, status: r.status, keepPath: true } };
}

/**
 * A named Apache vhost or NGINX server answers every request for its names itself: a path
 * none of its ProxyPass / locations match is served from its own DocumentRoot / root (for a
 * proxy-only site, a 404), never by the default vhost or default server. routes.json picks
 * the host first only when that host has a matching route, so without a host-scoped "/" such
 * a request would fall through to the host-less routes of the default site, and its backend.
 */
import type { Draft } from "./emit.ts";
import type { Node } from "./report.ts";

/** A named site with no route for "/": its names, the vhost or server, and the source's behaviour. */
export interface CatchAll { hosts: string[]; node: Node; why: string }

/**
 * Adds `{ host, path: "/", respond: 404 }` for each name of such a site. Run after every
 * site's routes are in: a "/" for the same name from another port (routes.json routes are not
 * per port) must not be shadowed by a 404 made up here; that one is reported instead.
 */
export function addCatchAlls(draft: Draft, wanted: CatchAll[]): void {
  const made = new Set<string>();
  for (const c of wanted) {
    const answered: string[] = [];
    for (const host of c.hosts) {
      const from = draft.routeFrom(host, "/");
      if (from && !made.has(host)) {
        draft.report.note(c.node, `${host} has no "/" here; its requests that match none of its routes go to the ${host} "/" route of ${from.loc.file}:${from.loc.line} (routes.json routes are not per port)`);
        continue;
      }
      if (!from) draft.addRoute({ host, path: "/", respond: { status: 404 } }, c.node);
      made.add(host);
      answered.push(host);
    }
    if (answered.length) draft.report.note(c.node, `requests for ${answered.join(", ")} that match none of its routes answer 404 (a host-scoped "/" route), ${c.why}`);
  }
}

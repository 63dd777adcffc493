/**
 * A named Apache vhost or NGINX server answers every request for its names itself: a path
 * none of its ProxyPass / locations match is served from its own DocumentRoot / root (for a
 * proxy-only site, a 404), never by the default vhost or default server. routes.json picks
 * the host first only when that host has a matching route, so without a host-scoped "/" such
 * a request would fall through to the host-less routes of the default site, and its backend.
 */
import type { Draft, Json } from "./emit.ts";
import type { Served } from "./route-table.ts";
import type { Node } from "./report.ts";

/** A named site with no route for "/": its names, listener ports, the vhost or server, and the source's behaviour. */
export interface CatchAll { hosts: string[]; ports: number[]; node: Node; why: string }

/**
 * Adds `{ host, path: "/", respond: 404 }` for each name of such a site, on the site's ports.
 * Run after every site's routes are in, so the 404s come last in routes.json: a "/" for the
 * same name that another site on the same port already has is kept, and the name is reported
 * as falling to it (a "/" on another port no longer meets it: routes are per port).
 */
export function addCatchAlls(draft: Draft, wanted: CatchAll[]): void {
  const made = new Set<Json>();
  for (const c of wanted) {
    const answered: string[] = [];
    for (const host of c.hosts) {
      const all = draft.servedOn(host, "/", c.ports);
      const on = (p: number) => (e: Served) => !e.ports || e.ports.includes(p);
      const others = all.filter((e) => !made.has(e.route));
      const free = c.ports.filter((p) => !all.some(on(p)));
      if (others.length) {
        const from = others[0]!.from;
        const ports = free.length ? ` on port ${c.ports.filter((p) => others.some(on(p))).join(", ")}` : "";
        draft.report.note(c.node, `${host} has no "/" here; its requests${ports} that match none of its routes go to the ${host} "/" route of ${from.loc.file}:${from.loc.line}`);
        if (!free.length) continue;
      }
      if (free.length) {
        const route = { host, path: "/", respond: { status: 404 } };
        draft.addRoute(route, c.node, free);
        made.add(route);
      }
      answered.push(host);
    }
    if (answered.length) draft.report.note(c.node, `requests for ${answered.join(", ")} that match none of its routes answer 404 (a host-scoped "/" route), ${c.why}`);
  }
}

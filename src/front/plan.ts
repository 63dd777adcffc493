/**
 * What a request head is for: its route and pool (http:// or https:// members alike), or the
 * proxy's own answer (a bad path, no route, an encoded slash, a denied method, a `respond` or
 * `redirect` route), in Apache's and NGINX's order: path, route, encoded slashes, methods.
 * One member lane (keep-alive pool) per member of the plan's pools.
 */
import type { Member } from "../balancer/member.ts";
import type { Runtime } from "../config/runtime.ts";
import { ENCODED_SLASH_404 } from "../proxy/errors.ts";
import { hasEncodedSlash, matchPath, normalizePath } from "../proxy/normalize.ts";
import { errorAnswer, LocalAnswer, routeAnswer } from "./local-answer.ts";
import type { FastPlan } from "./front-context.ts";
import type { FastHead } from "./fast-head.ts";
import { MemberLane } from "./upstream-lane.ts";

type Plan = (head: FastHead) => FastPlan | LocalAnswer;

export interface FastLanes {
  /** Over every route (what a listener gets when no route names ports). */
  plan: Plan;
  /** Over the routes a listener with this configured port serves (routes[].ports). */
  planFor(port: number): Plan;
  lanes: ReadonlyMap<Member, MemberLane>;
  close(): void;
}

/** `previous`: a reload's running lanes; members that stay keep theirs (and its idle keep-alive sockets). */
export function fastLanes(rt: Runtime, previous?: ReadonlyMap<Member, MemberLane>): FastLanes {
  const lanes = new Map<Member, MemberLane>();
  // http:// and https:// members alike: the dialer carries the pool's upstream TLS.
  // A member keeps its lane only with the same dialer: new upstream TLS settings (tls.ca edited,
  // or the file it names) must not ride on keep-alive sockets verified under the old ones.
  for (const pool of rt.pools.values()) {
    for (const m of pool.pool.members) {
      const dialer = pool.dialers.get(m)!;
      const kept = previous?.get(m);
      lanes.set(m, kept?.dialer === dialer ? kept : new MemberLane(dialer));
    }
  }
  const planWith = (router: Runtime["router"]): Plan => (h) => {
    const canonical = matchPath(h.rawPath);
    if (canonical === undefined) return errorAnswer("bad_request", "400 Bad Request: invalid request path", h);
    const route = router.match(h.hostName, canonical);
    if (!route) return errorAnswer("no_route", "404 Not Found: no route for this host and path", h);
    if (!route.allowEncodedSlashes && hasEncodedSlash(h.rawPath)) return errorAnswer("no_route", ENCODED_SLASH_404, h);
    if (route.denyMethods.has(h.method)) return errorAnswer("forbidden", `403 Forbidden: method ${h.method} is not allowed here`, h, route);
    if (route.action.kind !== "pool") return routeAnswer(route, h, true, canonical);
    // Normalizing is idempotent: a path that is its own canonical form is sent as it is.
    return { route, pool: route.action.pool, path: canonical === h.rawPath ? canonical : normalizePath(h.rawPath), canonical };
  };
  const plan = planWith(rt.router);
  return {
    lanes,
    plan,
    planFor(port) {
      const router = rt.routerFor(port);
      return router === rt.router ? plan : planWith(router);
    },
    close() {
      for (const l of lanes.values()) l.close();
    },
  };
}

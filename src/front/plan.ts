/**
 * Which requests the fast lane serves: a body-less request whose route forwards to a pool
 * (http:// or https:// members). Everything else (local answers, denied methods, 400/404) is
 * the full spine's. Sticky pools qualify only when the
 * sticky cookie hook is there to set their cookie. Routes with `auth` go to the spine for now:
 * the lane keeps header lines as text and would need the token and claim edits on them.
 */
import type { Member } from "../balancer/member.ts";
import type { Runtime, RuntimePool } from "../config/runtime.ts";
import { ENCODED_SLASH_404 } from "../proxy/errors.ts";
import { hasEncodedSlash, matchPath, normalizePath } from "../proxy/normalize.ts";
import { errorAnswer, LocalAnswer, routeAnswer } from "./local-answer.ts";
import type { FastPlan } from "./front-context.ts";
import type { FastHead } from "./request-head.ts";
import { MemberLane } from "./upstream-lane.ts";

export interface FastLanes {
  plan(head: FastHead): FastPlan | LocalAnswer | undefined;
  lanes: ReadonlyMap<Member, MemberLane>;
  close(): void;
}

/** `previous`: a reload's running lanes; members that stay keep theirs (and its idle keep-alive sockets). */
export function fastLanes(rt: Runtime, sticky: boolean, previous?: ReadonlyMap<Member, MemberLane>): FastLanes {
  const pools = new Set<RuntimePool>();
  const lanes = new Map<Member, MemberLane>();
  for (const [name, pool] of rt.pools) {
    const members = pool.pool.members;
    // http:// and https:// members alike: the dialer carries the pool's upstream TLS.
    if (rt.config.pools[name]?.sticky && !sticky) continue;
    pools.add(pool);
    for (const m of members) lanes.set(m, previous?.get(m) ?? new MemberLane(pool.dialers.get(m)!));
  }
  return {
    lanes,
    // In the spine's order (handler.ts): path, route, encoded slashes, denyMethods, local answers.
    plan(h) {
      const canonical = matchPath(h.rawPath);
      if (canonical === undefined) return errorAnswer("bad_request", "400 Bad Request: invalid request path", h, "-");
      const route = rt.router.match(h.hostName, canonical);
      if (!route) return errorAnswer("no_route", "404 Not Found: no route for this host and path", h, "-");
      // The token and claim edits are the spine's (the lane keeps header lines as text).
      if (route.auth) return undefined;
      if (!route.allowEncodedSlashes && hasEncodedSlash(h.rawPath)) return errorAnswer("no_route", ENCODED_SLASH_404, h, "-");
      if (route.denyMethods.has(h.method)) return errorAnswer("forbidden", `403 Forbidden: method ${h.method} is not allowed here`, h, route.label);
      if (route.action.kind !== "pool") return routeAnswer(route, h);
      const pool = route.action.pool;
      if (!pools.has(pool)) return undefined;
      return { route, pool, path: normalizePath(h.rawPath), canonical };
    },
    close() {
      for (const l of lanes.values()) l.close();
    },
  };
}

/**
 * Which requests the fast lane serves: a body-less request whose route forwards to a pool of
 * plain-HTTP members. Everything else (local answers, denied methods, 400/404, TLS members) is
 * the full spine's. Sticky pools qualify only when the
 * sticky cookie hook is there to set their cookie.
 */
import type { Member } from "../balancer/member.ts";
import type { Runtime, RuntimePool } from "../config/runtime.ts";
import { matchPath, normalizePath } from "../proxy/normalize.ts";
import type { FastPlan } from "./client-conn.ts";
import type { FastHead } from "./request-head.ts";
import { MemberLane } from "./upstream-lane.ts";

export interface FastLanes {
  plan(head: FastHead): FastPlan | undefined;
  lanes: ReadonlyMap<Member, MemberLane>;
  close(): void;
}

/** `previous`: a reload's running lanes; members that stay keep theirs (and its idle keep-alive sockets). */
export function fastLanes(rt: Runtime, sticky: boolean, previous?: ReadonlyMap<Member, MemberLane>): FastLanes {
  const pools = new Set<RuntimePool>();
  const lanes = new Map<Member, MemberLane>();
  for (const [name, pool] of rt.pools) {
    const members = pool.pool.members;
    if ((rt.config.pools[name]?.sticky && !sticky) || !members.every((m) => m.url.protocol === "http:")) continue;
    pools.add(pool);
    for (const m of members) lanes.set(m, previous?.get(m) ?? new MemberLane(m.url));
  }
  return {
    lanes,
    plan(h) {
      const canonical = matchPath(h.rawPath);
      if (canonical === undefined) return undefined;
      const route = rt.router.match(h.hostName, canonical);
      if (!route || route.action.kind !== "pool" || route.denyMethods.has(h.method)) return undefined;
      const pool = route.action.pool;
      if (!pools.has(pool)) return undefined;
      return { route, pool, path: normalizePath(h.rawPath), canonical };
    },
    close() {
      for (const l of lanes.values()) l.close();
    },
  };
}

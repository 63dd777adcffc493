import type { Member } from "../member.ts";
import type { BalancingMethod, MethodDeps } from "../method.ts";
import { smoothPick } from "./byrequests.ts";

/**
 * Apache lbmethod_bybusyness: fewest requests in flight wins; among equally busy members
 * Apache prefers the higher `lbstatus`, the byrequests counter it advances for every
 * candidate on every pick. We weight busyness (inflight / weight, as docs/configuration.md documents) and keep
 * that tie-break: smooth weighted round robin among the least busy, so an idle pool spreads
 * exactly by weight instead of piling onto the first member.
 */
export function createByBusyness(_deps: MethodDeps): BalancingMethod {
  const current = new Map<Member, number>();
  return {
    pick(candidates) {
      let least: Member | undefined;
      for (const m of candidates) {
        if (least === undefined || m.inflight * least.weight < least.inflight * m.weight) least = m;
      }
      if (least === undefined) return undefined;
      const floor = least;
      const leastBusy = (m: Member) => m.inflight * floor.weight === floor.inflight * m.weight;
      return smoothPick(current, candidates, leastBusy);
    },
  };
}

import type { Member } from "../member.ts";
import type { BalancingMethod, MethodDeps } from "../method.ts";

/**
 * One step of smooth weighted round robin (nginx ngx_http_upstream_get_peer; Apache
 * lbmethod_byrequests does the same with `lbstatus += lbfactor`, then `lbstatus -= total`):
 * every candidate gains its weight, the highest wins (first in list on a tie, as both use `>`),
 * and the winner pays back the total. Weights 1:3 give m2 m1 m2 m2.
 *
 * Members missing from `candidates` keep their counter untouched, as nginx skips down peers,
 * so a shrinking or growing candidate set keeps working.
 */
export function smoothPick(
  current: Map<Member, number>,
  candidates: readonly Member[],
  eligible: (m: Member) => boolean = () => true,
): Member | undefined {
  let best: Member | undefined;
  let bestCurrent = 0;
  let total = 0;
  for (const m of candidates) {
    const cur = (current.get(m) ?? 0) + m.weight;
    current.set(m, cur);
    total += m.weight;
    if (eligible(m) && (best === undefined || cur > bestCurrent)) {
      best = m;
      bestCurrent = cur;
    }
  }
  if (best !== undefined) current.set(best, bestCurrent - total);
  return best;
}

export function createByRequests(_deps: MethodDeps): BalancingMethod {
  const current = new Map<Member, number>();
  return {
    pick: (candidates) => smoothPick(current, candidates),
  };
}

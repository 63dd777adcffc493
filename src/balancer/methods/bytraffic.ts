import type { Member } from "../member.ts";
import type { BalancingMethod, MethodDeps } from "../method.ts";

/**
 * Apache lbmethod_bytraffic: the candidate with the least traffic per unit of weight
 * (`transferred / lbfactor + read / lbfactor`) wins; on a tie the first one in the list,
 * as Apache keeps the first candidate unless a later one is strictly lower.
 * Compared by cross-multiplication so no float division rounds two members equal.
 */
export function createByTraffic(_deps: MethodDeps): BalancingMethod {
  return {
    pick(candidates) {
      let best: Member | undefined;
      for (const m of candidates) {
        if (best === undefined || m.bytes * best.weight < best.bytes * m.weight) best = m;
      }
      return best;
    },
  };
}

import type { Member } from "../member.ts";
import type { BalancingMethod, MethodDeps } from "../method.ts";

/**
 * Weighted rendezvous (highest random weight) hashing of the client address. Unlike nginx
 * `ip_hash` (modulo over the peer list), removing a member only moves the clients that were
 * on it: every other client's highest score is unchanged. The weighted score
 * `-weight / ln(h)` (h uniform in (0,1)) gives each member a share proportional to its weight.
 * Ties (practically impossible) go to the first candidate, so the result is deterministic.
 */
export function createIpHash(_deps: MethodDeps): BalancingMethod {
  return {
    pick(candidates, ctx) {
      const client = normalizeIp(ctx.clientIp);
      let best: Member | undefined;
      let bestScore = -Infinity;
      for (const m of candidates) {
        const score = rendezvousScore(client, memberIdentity(m), m.weight);
        if (score > bestScore) {
          best = m;
          bestScore = score;
        }
      }
      return best;
    },
  };
}

/** Identity that survives restarts and reordering of the config: where the member lives. */
export function memberIdentity(m: Member): string {
  return m.origin + m.url.pathname;
}

export function rendezvousScore(client: string, identity: string, weight: number): number {
  const h = (hash53(`${client}\n${identity}`) + 0.5) / 2 ** 53; // strictly inside (0, 1)
  return -weight / Math.log(h);
}

/** An IPv4 client seen on a dual-stack socket as ::ffff:a.b.c.d is still the same client. */
export function normalizeIp(ip: string): string {
  const lower = ip.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}

/**
 * cyrb53: a 53-bit string hash built on Math.imul, well mixed in every bit (plain FNV-1a
 * clusters on inputs differing only in the last octet). Stable across runs and processes.
 */
export function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

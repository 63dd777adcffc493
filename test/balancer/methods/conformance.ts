import { describe, expect, test } from "bun:test";
import { Member, type MemberInit } from "../../../src/balancer/member.ts";
import { createMethod, type MethodName } from "../../../src/balancer/method.ts";
import { Pool } from "../../../src/balancer/pool.ts";

/** Allowed deviation of each member's share from weight/total (0 = exact). */
const shareTolerance: Record<MethodName, number> = {
  byrequests: 0,
  bybusyness: 0, // idle between picks, so it is smooth WRR
  bytraffic: 0.005,
  iphash: 0.03, // ~6 sigma for 6000 hashed clients
};

export function member(n: number, over: Partial<MemberInit> = {}): Member {
  return new Member({
    url: `http://127.0.0.1:${9000 + n}`,
    weight: 1,
    route: `m${n}`,
    standby: false,
    state: "active",
    ...over,
  });
}

export function ip(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** Seeded RNG (mulberry32) so "same random" means the same sequence. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One simulated request: pick, then begin()+end(bytes) so traffic/busyness methods see load. */
export function drive(pool: Pool, n: number, bytes = 1000, offset = 0): Map<Member, number> {
  const counts = new Map<Member, number>();
  for (let i = 0; i < n; i++) {
    const m = pool.pick({ clientIp: ip(i + offset) });
    if (m === undefined) throw new Error(`pick ${i} returned undefined`);
    m.begin();
    m.end(bytes);
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  return counts;
}

function poolOf(name: MethodName, members: Member[], seed = 1): Pool {
  return new Pool("p", members, createMethod(name, { random: seeded(seed) }));
}

export function runConformance(name: MethodName): void {
  describe(`${name}: conformance`, () => {
    test("spreads by weight 1:2:3 over 6000 requests", () => {
      const ms = [member(1, { weight: 1 }), member(2, { weight: 2 }), member(3, { weight: 3 })];
      const counts = drive(poolOf(name, ms), 6000);
      ms.forEach((m, i) => {
        const share = (counts.get(m) ?? 0) / 6000;
        expect(Math.abs(share - (i + 1) / 6)).toBeLessThanOrEqual(shareTolerance[name]);
      });
    });

    test("equal weights share evenly", () => {
      const ms = [member(1), member(2), member(3), member(4)];
      const counts = drive(poolOf(name, ms), 4000);
      for (const m of ms) {
        expect(Math.abs((counts.get(m) ?? 0) / 4000 - 0.25)).toBeLessThanOrEqual(shareTolerance[name]);
      }
    });

    test("skips unhealthy members and keeps spreading over the rest", () => {
      const ms = [member(1), member(2), member(3)];
      const pool = poolOf(name, ms);
      drive(pool, 50);
      expect(pool.setStatus(ms[1]!, false)).toBe(true);
      const counts = drive(pool, 600, 1000, 50);
      expect(counts.has(ms[1]!)).toBe(false);
      expect(counts.get(ms[0]!)).toBeGreaterThan(200);
      expect(counts.get(ms[2]!)).toBeGreaterThan(200);
      pool.setStatus(ms[1]!, true);
      expect(drive(pool, 600, 1000, 650).get(ms[1]!)).toBeGreaterThan(100);
    });

    test("never returns a disabled or draining member", () => {
      const ms = [member(1, { state: "disabled" }), member(2, { state: "drain" }), member(3)];
      const counts = drive(poolOf(name, ms), 300);
      expect([...counts.keys()]).toEqual([ms[2]!]);
    });

    test("returns undefined when nothing is available", () => {
      const ms = [member(1, { state: "disabled" }), member(2, { state: "drain" }), member(3)];
      const pool = poolOf(name, ms);
      pool.setStatus(ms[2]!, false);
      expect(pool.pick({ clientIp: "10.0.0.1" })).toBeUndefined();
      expect(poolOf(name, []).pick({ clientIp: "10.0.0.1" })).toBeUndefined();
    });

    test("uses standby only while no primary is available", () => {
      const ms = [member(1), member(2), member(3, { standby: true })];
      const pool = poolOf(name, ms);
      expect(drive(pool, 200).has(ms[2]!)).toBe(false);
      pool.setStatus(ms[0]!, false);
      expect(drive(pool, 200).has(ms[2]!)).toBe(false);
      pool.setStatus(ms[1]!, false);
      expect([...drive(pool, 50).keys()]).toEqual([ms[2]!]);
      pool.setStatus(ms[2]!, false);
      expect(pool.pick({ clientIp: "10.0.0.1" })).toBeUndefined();
      pool.setStatus(ms[0]!, true);
      expect([...drive(pool, 50).keys()]).toEqual([ms[0]!]);
    });

    test("honours exclude, falling to standby when every usable primary is excluded", () => {
      const ms = [member(1), member(2), member(3, { standby: true })];
      const pool = poolOf(name, ms);
      for (let i = 0; i < 100; i++) {
        expect(pool.pick({ clientIp: ip(i) }, new Set([ms[0]!]))).toBe(ms[1]!);
        expect(pool.pick({ clientIp: ip(i) }, new Set([ms[0]!, ms[1]!]))).toBe(ms[2]!);
      }
      expect(pool.pick({ clientIp: ip(1) }, new Set(ms))).toBeUndefined();
    });

    test("is deterministic: same construction and random give the same sequence", () => {
      const sequence = (seed: number) => {
        const ms = [member(1, { weight: 5 }), member(2, { weight: 2 }), member(3, { weight: 7 })];
        const pool = poolOf(name, ms, seed);
        const out: string[] = [];
        for (let i = 0; i < 300; i++) {
          const m = pool.pick({ clientIp: ip(i * 7919) });
          if (m === undefined) throw new Error("undefined pick");
          m.begin();
          if (i % 3 !== 0) m.end(100 + (i % 17)); // leave some in flight
          out.push(m.route);
        }
        return out;
      };
      const first = sequence(42);
      expect(sequence(42)).toEqual(first);
      expect(new Set(first).size).toBe(3);
    });
  });
}

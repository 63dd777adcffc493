import { describe, expect, test } from "bun:test";
import { Member } from "../../src/balancer/member.ts";
import type { BalancingMethod } from "../../src/balancer/method.ts";
import { Pool } from "../../src/balancer/pool.ts";
import { PassiveHealth, type PassiveConfig } from "../../src/health/passive.ts";

const member = (n: number) => new Member({ url: `http://127.0.0.1:${9000 + n}`, weight: 1, route: `n${n}`, standby: false, state: "active" });
const first: BalancingMethod = { pick: (c) => c[0] };

function setup(cfg: Partial<PassiveConfig> = {}, trials = true, n = 2) {
  const clock = { t: 1_000 };
  const log: string[] = [];
  const ms = Array.from({ length: n }, (_, i) => member(i + 1));
  const pool = new Pool("p", ms, first);
  const passive = new PassiveHealth(pool, { maxFails: 1, window: 10_000, ejectFor: 30_000, ...cfg }, {
    now: () => clock.t, events: (level, msg) => log.push(`${level} ${msg}`), trials,
  });
  const choose = (tried: ReadonlySet<Member> = new Set()) => passive.choose((p, x, t) => p.pick(x, t), pool, { clientIp: "-" }, tried);
  return { clock, log, ms, pool, passive, choose, m1: ms[0]!, m2: ms[1]! };
}

describe("PassiveHealth ejection", () => {
  test("maxFails failures within the window eject; older ones fall out of it", () => {
    const { clock, passive, m1, log } = setup({ maxFails: 3, window: 10_000 });
    passive.outcome(m1, false, "connect failed");
    clock.t += 6_000;
    passive.outcome(m1, false, "connect failed");
    clock.t += 5_000; // the first failure is now 11s old
    passive.outcome(m1, false, "connect failed");
    expect(m1.healthy).toBe(true);
    passive.outcome(m1, false, "status 503");
    expect(m1.healthy).toBe(false);
    expect(log).toHaveLength(1);
    expect(log[0]).toContain("warn pool=p member=http://127.0.0.1:9001 ejected for 30000ms");
    expect(log[0]).toContain("status 503");
  });

  test("successes do not eject; outcomes of stragglers while ejected change nothing", () => {
    const { passive, m1, clock } = setup();
    passive.outcome(m1, true, "status 200");
    expect(m1.healthy).toBe(true);
    passive.outcome(m1, false, "timeout");
    passive.outcome(m1, true, "status 200"); // an older request finishing late
    expect(m1.healthy).toBe(false);
    expect(passive.ejectedFor(m1)).toBe(30_000);
    clock.t += 1_000;
    passive.outcome(m1, false, "timeout");
    expect(passive.ejectedFor(m1)).toBe(29_000);
  });
});

describe("PassiveHealth trial requests (no active checks)", () => {
  test("the member stays out until ejectFor has passed on the injected clock", () => {
    const { clock, passive, choose, m1, m2 } = setup();
    passive.outcome(m1, false, "connect failed");
    expect(choose()).toBe(m2);
    clock.t += 29_999;
    expect(choose()).toBe(m2);
    clock.t += 1;
    expect(choose()).toBe(m1);
  });

  test("exactly one trial in flight: other requests skip the member until its outcome", () => {
    const { clock, passive, choose, m1, m2, log } = setup();
    passive.outcome(m1, false, "connect failed");
    clock.t += 30_000;
    expect(choose()).toBe(m1);
    expect(m1.healthy).toBe(false);
    expect(choose()).toBe(m2);
    expect(choose()).toBe(m2);
    passive.outcome(m1, true, "status 200");
    expect(m1.healthy).toBe(true);
    expect(choose()).toBe(m1);
    expect(log.at(-1)).toBe("info pool=p member=http://127.0.0.1:9001 recovered: trial request succeeded");
    expect(log.some((l) => l.includes("one trial request allowed"))).toBe(true);
  });

  test("a failed trial re-ejects with doubled time, capped at 10x ejectFor", () => {
    const { clock, passive, choose, m1 } = setup({ ejectFor: 1_000 });
    passive.outcome(m1, false, "x");
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = passive.ejectedFor(m1)!;
      durations.push(d);
      clock.t += d;
      expect(choose()).toBe(m1); // the trial
      passive.outcome(m1, false, "still down");
    }
    expect(durations).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  test("a successful trial clears the streak: the next ejection is ejectFor again", () => {
    const { clock, passive, choose, m1 } = setup({ ejectFor: 1_000 });
    passive.outcome(m1, false, "x");
    clock.t += 1_000;
    choose();
    passive.outcome(m1, false, "x");
    expect(passive.ejectedFor(m1)).toBe(2_000);
    clock.t += 2_000;
    expect(choose()).toBe(m1);
    passive.outcome(m1, true, "ok");
    passive.outcome(m1, false, "x");
    expect(passive.ejectedFor(m1)).toBe(1_000);
  });

  test("a trial whose outcome never comes is released after ejectFor", () => {
    const { clock, passive, choose, m1, m2 } = setup();
    passive.outcome(m1, false, "x");
    clock.t += 30_000;
    expect(choose()).toBe(m1);
    clock.t += 29_999;
    expect(choose()).toBe(m2);
    clock.t += 1;
    expect(choose()).toBe(m1);
  });

  test("with every member ejected, a trial that is due goes first", () => {
    const { clock, passive, choose, m1, m2 } = setup();
    passive.outcome(m1, false, "x");
    clock.t += 10_000;
    passive.outcome(m2, false, "x");
    clock.t += 20_000;
    expect(choose()).toBe(m1); // its trial
    expect(choose()).toBe(m1); // panic: the trial in flight ranks before m2's ejection
  });
});

describe("PassiveHealth panic", () => {
  const choosePassive = (passive: PassiveHealth, pool: Pool, tried: ReadonlySet<Member> = new Set()) =>
    passive.choose((p, x, t) => p.pick(x, t), pool, { clientIp: "-" }, tried);

  test("every member ejected: the one whose ejection ends first serves, logged once per episode", () => {
    const { clock, passive, pool, m1, m2, log } = setup();
    passive.outcome(m2, false, "x");
    clock.t += 5_000;
    passive.outcome(m1, false, "x");
    log.length = 0;
    expect(choosePassive(passive, pool)).toBe(m2);
    expect(choosePassive(passive, pool)).toBe(m2);
    expect(log.filter((l) => l.includes("panic"))).toHaveLength(1);
    expect(choosePassive(passive, pool, new Set([m2]))).toBe(m1); // a retry goes to the next one
    passive.outcome(m2, true, "status 200");
    expect(m2.healthy).toBe(true);
    expect(choosePassive(passive, pool)).toBe(m2);
    expect(log.some((l) => l.includes("panic over"))).toBe(true);
  });

  test("a one-member pool keeps answering after a failure", () => {
    const { passive, pool, m1 } = setup({}, true, 1);
    passive.outcome(m1, false, "timeout");
    expect(m1.healthy).toBe(false);
    expect(choosePassive(passive, pool)).toBe(m1);
  });

  test("a member out for another reason (active probes) keeps the pool out of panic", () => {
    const { passive, pool, m1, m2 } = setup({}, false);
    passive.outcome(m1, false, "x");
    pool.setStatus(m2, false); // what ActiveHealth does after `fall` failed probes
    expect(choosePassive(passive, pool)).toBeUndefined();
  });

  test("disabled members are not part of the count and never serve", () => {
    const { passive, pool, m1, m2 } = setup();
    m2.state = "disabled";
    passive.outcome(m1, false, "x");
    expect(choosePassive(passive, pool)).toBe(m1);
  });
});

describe("PassiveHealth with active checks (trials off)", () => {
  test("ejection lasts until someone else (the probes) recovers it; then traffic counts again", () => {
    const { clock, passive, choose, m1, m2, pool, log } = setup({}, false);
    passive.outcome(m1, false, "x");
    expect(log[0]).toContain("ejected until health probes pass");
    clock.t += 10 * 30_000;
    expect(choose()).toBe(m2);
    pool.setStatus(m1, true); // what ActiveHealth does after `rise` good probes
    expect(choose()).toBe(m1);
    passive.outcome(m1, false, "again");
    expect(m1.healthy).toBe(false);
  });
});

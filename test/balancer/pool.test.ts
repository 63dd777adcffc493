import { describe, expect, test } from "bun:test";
import { Member, type MemberInit } from "../../src/balancer/member.ts";
import { createMethod, isMethodName, methodNames, type BalancingMethod } from "../../src/balancer/method.ts";
import { Pool } from "../../src/balancer/pool.ts";

const member = (n: number, over: Partial<MemberInit> = {}) =>
  new Member({ url: `http://127.0.0.1:${9000 + n}`, weight: 1, route: `m${n}`, standby: false, state: "active", ...over });

const first: BalancingMethod = { pick: (c) => c[0] };
const ctx = { clientIp: "10.0.0.1" };

describe("Pool", () => {
  test("offers the method only available primaries, minus exclude", () => {
    const seen: string[][] = [];
    const spy: BalancingMethod = { pick: (c) => (seen.push(c.map((m) => m.route)), c[0]) };
    const ms = [member(1), member(2, { state: "drain" }), member(3), member(4), member(5, { standby: true })];
    const pool = new Pool("p", ms, spy);
    pool.setStatus(ms[3]!, false);
    pool.pick(ctx, new Set([ms[0]!]));
    expect(seen).toEqual([["m3"]]);
  });

  test("a method returning a non-candidate is not trusted", () => {
    const rogue = member(9);
    const pool = new Pool("p", [member(1)], { pick: () => rogue });
    expect(pool.pick(ctx)).toBeUndefined();
  });

  test("setStatus reports whether the status changed, and rejects strangers", () => {
    const m = member(1);
    const pool = new Pool("p", [m], first);
    expect(pool.setStatus(m, true)).toBe(false);
    expect(pool.setStatus(m, false)).toBe(true);
    expect(m.healthy).toBe(false);
    expect(pool.setStatus(m, false)).toBe(false);
    expect(pool.setStatus(m, true)).toBe(true);
    expect(() => pool.setStatus(member(2), false)).toThrow();
  });

  test("byRoute finds primaries before standbys, prefers the usable one", () => {
    const standby = member(1, { route: "r", standby: true });
    const primary = member(2, { route: "r" });
    const pool = new Pool("p", [standby, primary, member(3)], first);
    expect(pool.byRoute("r")).toBe(primary);
    pool.setStatus(primary, false);
    expect(pool.byRoute("r")).toBe(standby);
    pool.setStatus(standby, false);
    expect(pool.byRoute("r")).toBe(primary); // none usable: first match, caller checks
    expect(pool.byRoute("m3")?.route).toBe("m3");
    expect(pool.byRoute("nope")).toBeUndefined();
  });

  test("byRoute still finds a draining member; the caller may use it for its sessions", () => {
    const d = member(1, { state: "drain" });
    const pool = new Pool("p", [d, member(2)], first);
    expect(pool.byRoute("m1")).toBe(d);
    expect(d.availableForSticky()).toBe(true);
    expect(pool.pick(ctx)?.route).toBe("m2");
  });

  test("members is a snapshot, hasAvailable tracks health", () => {
    const list = [member(1)];
    const pool = new Pool("p", list, first);
    list.push(member(2));
    expect(pool.members.length).toBe(1);
    expect(pool.hasAvailable()).toBe(true);
    pool.setStatus(pool.members[0]!, false);
    expect(pool.hasAvailable()).toBe(false);
  });
});

describe("createMethod", () => {
  test("knows every method name and nothing else", () => {
    expect([...methodNames].sort()).toEqual(["bybusyness", "byrequests", "bytraffic", "iphash"]);
    for (const name of methodNames) expect(typeof createMethod(name).pick).toBe("function");
    expect(isMethodName("roundrobin")).toBe(false);
    expect(isMethodName("toString")).toBe(false);
    expect(isMethodName("iphash")).toBe(true);
  });
});

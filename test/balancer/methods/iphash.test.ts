import { expect, test } from "bun:test";
import { createMethod } from "../../../src/balancer/method.ts";
import { Pool } from "../../../src/balancer/pool.ts";
import { hash53, normalizeIp } from "../../../src/balancer/methods/iphash.ts";
import type { Member } from "../../../src/balancer/member.ts";
import { ip, member, runConformance } from "./conformance.ts";

runConformance("iphash");

const assign = (pool: Pool, n: number) =>
  Array.from({ length: n }, (_, i) => pool.pick({ clientIp: ip(i) }));

test("the same client always reaches the same member", () => {
  const pool = new Pool("p", [member(1), member(2), member(3)], createMethod("iphash"));
  const first = assign(pool, 500);
  expect(assign(pool, 500)).toEqual(first);
  // A fresh pool (a restart, another proxy instance) agrees too.
  const again = new Pool("p", [member(1), member(2), member(3)], createMethod("iphash"));
  expect(assign(again, 500).map((m) => m?.route)).toEqual(first.map((m) => m?.route));
});

test("when a member leaves only its clients move; when it returns they come back", () => {
  const ms = [member(1), member(2), member(3), member(4)];
  const pool = new Pool("p", ms, createMethod("iphash"));
  const before = assign(pool, 2000);
  pool.setStatus(ms[1]!, false);
  const during = assign(pool, 2000);
  let moved = 0;
  before.forEach((m, i) => {
    if (m === ms[1]!) {
      moved++;
      expect(during[i]).not.toBe(ms[1]!);
    } else {
      expect(during[i]).toBe(m as Member);
    }
  });
  expect(moved).toBeGreaterThan(300); // the member really had clients to lose
  pool.setStatus(ms[1]!, true);
  expect(assign(pool, 2000)).toEqual(before);
});

test("does not depend on member order in the config", () => {
  const a = new Pool("a", [member(1), member(2), member(3)], createMethod("iphash"));
  const b = new Pool("b", [member(3), member(1), member(2)], createMethod("iphash"));
  expect(assign(b, 300).map((m) => m?.route)).toEqual(assign(a, 300).map((m) => m?.route));
});

test("an IPv4-mapped IPv6 address is the same client", () => {
  expect(normalizeIp("::FFFF:10.1.2.3")).toBe("10.1.2.3");
  expect(normalizeIp("2001:DB8::1")).toBe("2001:db8::1");
  const pool = new Pool("p", [member(1), member(2), member(3)], createMethod("iphash"));
  for (let i = 0; i < 50; i++) {
    expect(pool.pick({ clientIp: `::ffff:${ip(i)}` })).toBe(pool.pick({ clientIp: ip(i) })!);
  }
});

test("hash53 is stable and 53-bit", () => {
  expect(hash53("10.0.0.1\nhttp://127.0.0.1:9001/")).toBe(hash53("10.0.0.1\nhttp://127.0.0.1:9001/"));
  expect(hash53("a")).not.toBe(hash53("b"));
  for (const s of ["", "x", "10.0.0.255"]) {
    const h = hash53(s);
    expect(Number.isSafeInteger(h) && h >= 0 && h < 2 ** 53).toBe(true);
  }
});

import { expect, test } from "bun:test";
import { createMethod } from "../../../src/balancer/method.ts";
import { Pool } from "../../../src/balancer/pool.ts";
import { member, runConformance } from "./conformance.ts";

runConformance("bybusyness");

const ctx = { clientIp: "10.0.0.1" };

test("prefers the member with fewer requests in flight", () => {
  const m1 = member(1);
  const m2 = member(2);
  const pool = new Pool("p", [m1, m2], createMethod("bybusyness"));
  m1.begin();
  m1.begin();
  m2.begin();
  expect(pool.pick(ctx)).toBe(m2);
  m2.begin();
  m2.begin();
  expect(pool.pick(ctx)).toBe(m1);
});

test("busyness is weighted: inflight / weight", () => {
  const m1 = member(1, { weight: 1 });
  const m2 = member(2, { weight: 4 });
  const pool = new Pool("p", [m1, m2], createMethod("bybusyness"));
  m1.begin(); // 1 per weight
  for (let i = 0; i < 3; i++) m2.begin(); // 0.75 per weight
  expect(pool.pick(ctx)).toBe(m2);
});

test("long requests pile up: new ones go around the busy member", () => {
  const ms = [member(1), member(2), member(3)];
  const pool = new Pool("p", ms, createMethod("bybusyness"));
  for (let i = 0; i < 5; i++) ms[0]!.begin(); // m1 is stuck on slow requests
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const m = pool.pick(ctx)!;
    seen.add(m.route);
    m.begin();
    m.end(0);
  }
  expect([...seen].sort()).toEqual(["m2", "m3"]);
});

test("equally busy members alternate instead of piling onto the first", () => {
  const pool = new Pool("p", [member(1), member(2)], createMethod("bybusyness"));
  const seq = Array.from({ length: 4 }, () => pool.pick(ctx)?.route);
  expect(seq).toEqual(["m1", "m2", "m1", "m2"]);
});

import { expect, test } from "bun:test";
import { createMethod } from "../../../src/balancer/method.ts";
import { Pool } from "../../../src/balancer/pool.ts";
import { member, runConformance } from "./conformance.ts";

runConformance("bytraffic");

const ctx = { clientIp: "10.0.0.1" };

test("prefers the member with fewer bytes per unit of weight", () => {
  const m1 = member(1, { weight: 1 });
  const m2 = member(2, { weight: 4 });
  const pool = new Pool("p", [m1, m2], createMethod("bytraffic"));
  m1.end(1000); // 1000 per weight
  m2.end(3000); // 750 per weight: less, despite more bytes
  expect(pool.pick(ctx)).toBe(m2);
  m2.end(2000); // 1250 per weight
  expect(pool.pick(ctx)).toBe(m1);
});

test("ties go to the first member, as Apache keeps the first candidate", () => {
  const m1 = member(1, { weight: 2 });
  const m2 = member(2, { weight: 1 });
  const pool = new Pool("p", [m1, m2], createMethod("bytraffic"));
  m1.end(200);
  m2.end(100);
  expect(pool.pick(ctx)).toBe(m1);
});

test("a member with little traffic catches up on large transfers", () => {
  const m1 = member(1);
  const m2 = member(2);
  const pool = new Pool("p", [m1, m2], createMethod("bytraffic"));
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const m = pool.pick(ctx)!;
    seen.push(m.route);
    m.begin();
    m.end(m === m1 ? 10_000 : 1_000); // m1's responses are ten times bigger
  }
  expect(seen).toEqual(["m1", "m2", "m2", "m2", "m2", "m2"]);
});

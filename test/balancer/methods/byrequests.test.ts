import { expect, test } from "bun:test";
import { createMethod } from "../../../src/balancer/method.ts";
import { Pool } from "../../../src/balancer/pool.ts";
import { drive, member, runConformance } from "./conformance.ts";

runConformance("byrequests");

const routes = (pool: Pool, n: number) =>
  Array.from({ length: n }, () => pool.pick({ clientIp: "10.0.0.1" })?.route);

test("weights 1:3 over 4 requests give m2 m1 m2 m2 (spec, nginx smooth WRR)", () => {
  const pool = new Pool("p", [member(1, { weight: 1 }), member(2, { weight: 3 })], createMethod("byrequests"));
  expect(routes(pool, 8)).toEqual(["m2", "m1", "m2", "m2", "m2", "m1", "m2", "m2"]);
});

test("weights 5:1:1 interleave smoothly instead of bursting (nginx's documented example)", () => {
  const pool = new Pool(
    "p",
    [member(1, { weight: 5 }), member(2, { weight: 1 }), member(3, { weight: 1 })],
    createMethod("byrequests"),
  );
  expect(routes(pool, 7)).toEqual(["m1", "m1", "m2", "m1", "m3", "m1", "m1"]);
});

test("keeps the weights after a member leaves mid-cycle (off by at most the carried-over counter)", () => {
  const ms = [member(1, { weight: 1 }), member(2, { weight: 2 }), member(3, { weight: 3 })];
  const pool = new Pool("p", ms, createMethod("byrequests"));
  drive(pool, 4); // stop part-way through a cycle
  pool.setStatus(ms[2]!, false);
  const counts = drive(pool, 300);
  // nginx leaves a down peer's counter alone, so the survivors carry a bounded offset.
  expect(Math.abs((counts.get(ms[0]!) ?? 0) - 100)).toBeLessThanOrEqual(1);
  expect((counts.get(ms[0]!) ?? 0) + (counts.get(ms[1]!) ?? 0)).toBe(300);
});

test("each pool's method object keeps its own counters", () => {
  const a = new Pool("a", [member(1), member(2)], createMethod("byrequests"));
  const b = new Pool("b", [member(1), member(2)], createMethod("byrequests"));
  a.pick({ clientIp: "x" });
  expect(b.pick({ clientIp: "x" })?.route).toBe("m1");
  expect(a.pick({ clientIp: "x" })?.route).toBe("m2");
});

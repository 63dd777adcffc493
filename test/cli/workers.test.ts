import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { backoffMs, selfCommand, workerCount } from "../../src/cli/workers.ts";

describe("workers", () => {
  test("--workers takes 1..256 or auto (one per CPU)", () => {
    expect(workerCount("2")).toBe(2);
    expect(workerCount("auto")).toBe(availableParallelism());
    for (const bad of ["0", "-1", "1.5", "x", "257"]) expect(workerCount(bad)).toBeUndefined();
  });

  test("restart backoff doubles from 100 ms and stops at 10 s", () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([100, 200, 400, 800]);
    expect(backoffMs(20)).toBe(10_000);
  });

  test("a compiled binary re-runs itself without its embedded script path; bun needs the script", () => {
    expect(selfCommand(["bun", "/$bunfs/root/proxy", "--routes", "r.json"], "/usr/bin/proxy")).toEqual(["/usr/bin/proxy", "--routes", "r.json"]);
    expect(selfCommand(["bun", "/src/main.ts", "--routes", "r.json"], "/usr/bin/bun")).toEqual(["/usr/bin/bun", "/src/main.ts", "--routes", "r.json"]);
  });
});

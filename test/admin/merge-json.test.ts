import { describe, expect, test } from "bun:test";
import { mergeJson } from "../../src/admin/merge-json.ts";

const member = (url: string, requests: number, health: string, p99: number | null, weight = 1) => ({
  route: url.slice(-2), url, weight, state: "active", health: { status: health, reason: health === "up" ? "" : "probe failed" },
  inFlight: 1, requests, errors: 0, bytesIn: requests * 10, bytesOut: 0, latency: { p50: p99 === null ? null : p99 / 2, p99 },
});

describe("mergeJson", () => {
  test("members match by url whatever their order; counters add, quantiles take the highest, health the worst", () => {
    const w0 = { name: "app", members: [member("http://h:01", 3, "up", 0.1), member("http://h:02", 5, "up", null)] };
    const w1 = { name: "app", members: [member("http://h:02", 7, "ejected", 0.2), member("http://h:01", 1, "up", 0.3)] };
    const merged = mergeJson([w0, w1]) as typeof w0;
    expect(merged.members.map((m) => m.url)).toEqual(["http://h:01", "http://h:02"]);
    expect(merged.members[0]).toMatchObject({ requests: 4, inFlight: 2, bytesIn: 40, latency: { p50: 0.15, p99: 0.3 }, health: { status: "up" } });
    expect(merged.members[1]).toMatchObject({ requests: 12, latency: { p50: 0.1, p99: 0.2 }, health: { status: "ejected", reason: "probe failed" } });
  });

  test("values that are not counters are the first worker's; a pool map merges by key", () => {
    const merged = mergeJson([{ app: { name: "app", members: [member("http://h:01", 1, "up", null, 3)] }, generation: 2 }, { app: { name: "app", members: [member("http://h:01", 1, "up", null, 1)] }, generation: 1 }]);
    expect(merged).toMatchObject({ app: { members: [{ weight: 3, requests: 2 }] }, generation: 2 });
  });

  test("startedAt is the earliest worker's: a restarted worker's start is not the proxy's", () => {
    const status = (startedAt: string) => ({ version: "1", startedAt, config: { generation: 3 } });
    expect(mergeJson([status("2026-12-04T21:40:05.000Z"), status("2026-12-04T21:00:00.000Z")])).toEqual(status("2026-12-04T21:00:00.000Z"));
  });

  test("an error body stays as it is", () => {
    expect(mergeJson([{ error: "no pool named x" }, { error: "no pool named x" }])).toEqual({ error: "no pool named x" });
  });
});

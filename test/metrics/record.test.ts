import { expect, test } from "bun:test";
import { countRefusals, recordExchange, recordRefusal, refusalCounts } from "../../src/metrics/record.ts";
import type { AccessEntry } from "../../src/log/access.ts";
import { Registry } from "../../src/state/registry.ts";
import type { RuntimeRoute } from "../../src/config/runtime.ts";

test("one exchange bumps the route, the route-member-code cell and the member", () => {
  const reg = new Registry();
  const m = reg.member("app", { url: "http://10.0.0.1:1", weight: 1, route: "a", standby: false, state: "active" });
  const route = { label: "/", stats: reg.route("/") } as RuntimeRoute;
  recordExchange(route, m, 200, 10, 100, 3);
  recordExchange(route, m, 502, 0, 20, 1);
  recordExchange(route, undefined, 503, 0, 30, 1);
  expect(route.stats).toMatchObject({ requests: 3, bytesIn: 10, bytesOut: 150 });
  expect(route.stats.latency.count).toBe(3);
  expect([...route.stats.codes.get(m)!]).toEqual([[200, 1], [502, 1]]);
  expect([...route.stats.codes.get(null)!]).toEqual([[503, 1]]);
  expect({ requests: m.requests, errors: m.errors, bytesIn: m.bytesIn, bytesOut: m.bytesOut, n: m.latency.count }).toEqual({ requests: 2, errors: 1, bytesIn: 10, bytesOut: 120, n: 2 });
});

test("refusals are counted by status in preallocated slots; codes outside 100..599 are ignored", () => {
  const counts = refusalCounts();
  recordRefusal(counts, 400);
  recordRefusal(counts, 400);
  recordRefusal(counts, 431);
  recordRefusal(counts, 99);
  recordRefusal(counts, 600);
  expect([counts[400], counts[431], counts.reduce((a, b) => a + b, 0), counts.length]).toEqual([2, 1, 3, 600]);
});

test("countRefusals counts the access entries of unrouted requests and passes every entry on", () => {
  const counts = refusalCounts();
  const logged: number[] = [];
  const access = countRefusals(counts, (e) => logged.push(e.status));
  const entry = (route: string, status: number) => ({ route, status }) as AccessEntry;
  access(entry("-", 404));
  access(entry("-", 408));
  access(entry("*/app", 404)); // a routed 404 (the member's own) is no refusal
  access(entry("*/app", 200));
  expect(logged).toEqual([404, 408, 404, 200]);
  expect([counts[404], counts[408], counts[200]]).toEqual([1, 1, 0]);
});

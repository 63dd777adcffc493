import { expect, test } from "bun:test";
import { recordExchange } from "../../src/metrics/record.ts";
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

import { expect, test } from "bun:test";
import { renderMetrics } from "../../src/admin/prometheus.ts";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { recordExchange, recordRefusal } from "../../src/metrics/record.ts";
import { Registry } from "../../src/state/registry.ts";

test("every family has HELP and TYPE; label values are escaped; histogram buckets are cumulative", () => {
  const rt = compile(parseConfigText(JSON.stringify({
    listeners: [{ port: 0 }],
    pools: { app: { members: [{ url: "http://127.0.0.1:1" }] } },
    routes: [{ pool: "app", path: "/a" }],
    admin: { metrics: { buckets: [0.1, 1] } },
  })), { file: "/tmp/routes.json" });
  const route = [...rt.router.routes()][0]!;
  const m = rt.pools.get("app")!.pool.members[0]!;
  recordExchange(route, m, 200, 0, 5, 50);
  recordExchange(route, m, 200, 0, 5, 500);
  const text = renderMetrics(rt, { version: 'v"1\\', generation: 3, reloads: { success: 2, failure: 1 }, connections: new Map([["0.0.0.0:80", 4]]), certificates: [{ listener: "0.0.0.0:443", name: "sso.example.com", notAfter: 1800000000 }] });
  expect(text).toContain('edge_proxy_certificate_expiry_timestamp_seconds{listener="0.0.0.0:443",name="sso.example.com"} 1800000000');
  expect(text).toContain('edge_proxy_build_info{version="v\\"1\\\\"} 1');
  expect(text).toContain('edge_proxy_requests_total{route="*/a",pool="app",member="http://127.0.0.1:1",code="200"} 2');
  expect(text).toContain('edge_proxy_request_duration_seconds_bucket{route="*/a",pool="app",le="0.1"} 1\nedge_proxy_request_duration_seconds_bucket{route="*/a",pool="app",le="1"} 2\nedge_proxy_request_duration_seconds_bucket{route="*/a",pool="app",le="+Inf"} 2');
  expect(text).toContain('edge_proxy_connections_open{listener="0.0.0.0:80"} 4');
  expect(text).toContain("edge_proxy_config_generation 3");
  const families = [...text.matchAll(/^# TYPE (\S+)/gm)].map((x) => x[1]);
  expect(new Set(families).size).toBe(families.length);
});

test("refused requests: the fronts' codes always, at 0 until one happens; another code once seen", () => {
  const rt = compile(parseConfigText(JSON.stringify({ listeners: [{ port: 0 }], pools: { app: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ pool: "app" }] })), { file: "/tmp/routes.json" });
  const info = { version: "1", generation: 1, reloads: { success: 0, failure: 0 }, connections: new Map<string, number>() };
  const lines = () => renderMetrics(rt, info).split("\n").filter((l) => l.includes("edge_proxy_refused_requests_total"));
  expect(lines()).toEqual([
    "# HELP edge_proxy_refused_requests_total Requests answered before routing: malformed 400, slow 408, head too large 431, no route 404.",
    "# TYPE edge_proxy_refused_requests_total counter",
    'edge_proxy_refused_requests_total{code="400"} 0',
    'edge_proxy_refused_requests_total{code="404"} 0',
    'edge_proxy_refused_requests_total{code="408"} 0',
    'edge_proxy_refused_requests_total{code="431"} 0',
  ]);
  recordRefusal(rt.registry.refused, 404);
  recordRefusal(rt.registry.refused, 414);
  expect(lines().slice(3)).toEqual(['edge_proxy_refused_requests_total{code="404"} 1', 'edge_proxy_refused_requests_total{code="408"} 0', 'edge_proxy_refused_requests_total{code="414"} 1', 'edge_proxy_refused_requests_total{code="431"} 0']);
});

test("a member that leaves and comes back, and a route that moves pools, keep one series per label set that never goes back", () => {
  const registry = new Registry();
  const cfg = (members: Record<string, string[]>, routePool: string) => compile(parseConfigText(JSON.stringify({
    listeners: [{ port: 0 }],
    pools: Object.fromEntries(Object.entries(members).map(([p, urls]) => [p, { members: urls.map((url) => ({ url })) }])),
    routes: [{ pool: routePool }],
  })), { file: "/tmp/routes.json", registry });
  const info = { version: "t", generation: 1, reloads: { success: 0, failure: 0 }, connections: new Map() };
  const series = (text: string) => text.split("\n").filter((l) => l.startsWith("edge_proxy_requests_total{"));
  const a = "http://127.0.0.1:1", b = "http://127.0.0.1:2";
  let rt = cfg({ web: [a, b], other: [b] }, "web");
  const route = () => [...rt.router.routes()][0]!;
  const member = (pool: string, url: string) => rt.pools.get(pool)!.pool.members.find((m) => m.url.href === `${url}/`)!;
  recordExchange(route(), member("web", b), 200, 0, 1, 1);
  recordExchange(route(), member("web", b), 200, 0, 1, 1);
  rt = cfg({ web: [a], other: [b] }, "web"); // b leaves web
  registry.retain([...rt.pools.values()].flatMap((p) => p.pool.members));
  rt = cfg({ web: [a, b], other: [b] }, "web"); // and comes back: a new member object
  recordExchange(route(), member("web", b), 200, 0, 1, 1);
  expect(series(renderMetrics(rt, info))).toEqual([`edge_proxy_requests_total{route="*/",pool="web",member="${b}",code="200"} 3`]);
  rt = cfg({ web: [a, b], other: [b] }, "other"); // the route moves to pool other, which also has b
  recordExchange(route(), member("other", b), 200, 0, 1, 1);
  expect(series(renderMetrics(rt, info))).toEqual([
    `edge_proxy_requests_total{route="*/",pool="web",member="${b}",code="200"} 3`,
    `edge_proxy_requests_total{route="*/",pool="other",member="${b}",code="200"} 1`,
  ]);
});

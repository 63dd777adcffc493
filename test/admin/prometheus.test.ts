import { expect, test } from "bun:test";
import { renderMetrics } from "../../src/admin/prometheus.ts";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { recordExchange } from "../../src/metrics/record.ts";

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

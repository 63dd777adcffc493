/** GET /metrics: Prometheus text exposition format 0.0.4, read from the live counters. */
import type { Runtime } from "../config/runtime.ts";
import type { Histogram } from "../metrics/histogram.ts";
import { memberUrl } from "./views.ts";
import { poolCertificateExpiries } from "../tls/expiry.ts";

export interface MetricsInfo {
  version: string;
  generation: number;
  reloads: { success: number; failure: number };
  /** Open client connections per listener `host:port`. */
  connections: ReadonlyMap<string, number>;
  /** TLS listeners' certificates: listener `host:port`, certificate name, notAfter (Unix seconds). */
  certificates?: readonly { listener: string; name: string; notAfter: number }[];
}

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
const esc = (s: string) => s.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : "\\" + c));
const labels = (l: Record<string, string>) => "{" + Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(",") + "}";

const REFUSED = new Set([400, 404, 408, 431]);

export function renderMetrics(rt: Runtime, info: MetricsInfo): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const sample = (name: string, l: Record<string, string>, v: number) => out.push(`${name}${Object.keys(l).length ? labels(l) : ""} ${v}`);
  const histogram = (name: string, l: Record<string, string>, h: Histogram) => {
    let cum = 0;
    h.bounds.forEach((b, i) => sample(`${name}_bucket`, { ...l, le: String(b) }, (cum += h.counts[i]!)));
    sample(`${name}_bucket`, { ...l, le: "+Inf" }, h.count);
    sample(`${name}_sum`, l, h.sum);
    sample(`${name}_count`, l, h.count);
  };
  const routes = [...rt.router.routes()].sort((a, b) => a.index - b.index);
  const poolOf = (r: (typeof routes)[number]) => (r.action.kind === "pool" ? r.action.pool.name : "");
  const members = [...rt.pools.values()].flatMap((p) => p.pool.members.map((m) => ({ pool: p.name, m, l: { pool: p.name, member: memberUrl(m) } })));

  family("edge_proxy_build_info", "gauge", "Build information.");
  sample("edge_proxy_build_info", { version: info.version }, 1);
  family("edge_proxy_requests_total", "counter", "Requests answered, by route, pool, member and status.");
  for (const r of routes) {
    // One series per label set: a member that left and came back is a second object with the
    // same labels, and a route that moved pools keeps its old members' series under their pool.
    const series = new Map<string, { l: Record<string, string>; n: number }>();
    for (const [m, byCode] of r.stats.codes) {
      const pool = m?.poolName || poolOf(r);
      const member = m ? memberUrl(m) : "";
      for (const [code, n] of byCode) {
        const key = `${pool} ${member} ${code}`;
        const s = series.get(key);
        if (s) s.n += n;
        else series.set(key, { l: { route: r.label, pool, member, code: String(code) }, n });
      }
    }
    for (const { l, n } of series.values()) sample("edge_proxy_requests_total", l, n);
  }
  // Always the codes the fronts refuse with (0 until one happens, so rate() works from the start); others once seen.
  family("edge_proxy_refused_requests_total", "counter", "Requests answered before routing: malformed 400, slow 408, head too large 431, no route 404.");
  const refused = rt.registry.refused;
  for (let code = 100; code < refused.length; code++) if (refused[code] || REFUSED.has(code)) sample("edge_proxy_refused_requests_total", { code: String(code) }, refused[code]!);
  family("edge_proxy_request_duration_seconds", "histogram", "Time from request arrival to the end of the response.");
  for (const r of routes) histogram("edge_proxy_request_duration_seconds", { route: r.label, pool: poolOf(r) }, r.stats.latency);
  family("edge_proxy_member_up", "gauge", "1 when the member is available for new requests.");
  for (const { m, l } of members) sample("edge_proxy_member_up", l, m.available() ? 1 : 0);
  family("edge_proxy_member_state", "gauge", "1 for the member's current admin state.");
  for (const { m, l } of members) for (const st of ["active", "drain", "disabled"]) sample("edge_proxy_member_state", { ...l, state: st }, m.state === st ? 1 : 0);
  family("edge_proxy_member_in_flight", "gauge", "Requests in flight to the member.");
  for (const { m, l } of members) sample("edge_proxy_member_in_flight", l, m.inflight);
  family("edge_proxy_member_ejections_total", "counter", "Ejections by health checking.");
  for (const { m, l } of members) {
    sample("edge_proxy_member_ejections_total", { ...l, reason: "passive" }, m.ejectionsPassive);
    sample("edge_proxy_member_ejections_total", { ...l, reason: "active" }, m.ejectionsActive);
  }
  family("edge_proxy_upstream_connect_failures_total", "counter", "Failed connection attempts to the member.");
  for (const { m, l } of members) sample("edge_proxy_upstream_connect_failures_total", l, m.connectFailures);
  family("edge_proxy_retries_total", "counter", "Tries repeated on another member.");
  for (const p of rt.pools.values()) sample("edge_proxy_retries_total", { pool: p.name }, p.stats.retries);
  family("edge_proxy_received_bytes_total", "counter", "Request body bytes received from clients.");
  for (const r of routes) sample("edge_proxy_received_bytes_total", { route: r.label }, r.stats.bytesIn);
  family("edge_proxy_sent_bytes_total", "counter", "Response body bytes sent to clients.");
  for (const r of routes) sample("edge_proxy_sent_bytes_total", { route: r.label }, r.stats.bytesOut);
  family("edge_proxy_connections_open", "gauge", "Open client connections.");
  for (const [listener, n] of info.connections) sample("edge_proxy_connections_open", { listener }, n);
  family("edge_proxy_config_reloads_total", "counter", "Configuration reloads.");
  sample("edge_proxy_config_reloads_total", { result: "success" }, info.reloads.success);
  sample("edge_proxy_config_reloads_total", { result: "failure" }, info.reloads.failure);
  family("edge_proxy_config_generation", "gauge", "Generation of the loaded configuration (1 at start).");
  sample("edge_proxy_config_generation", {}, info.generation);
  family("edge_proxy_certificate_expiry_timestamp_seconds", "gauge", "When a listener's certificate expires (Unix time).");
  for (const c of info.certificates ?? []) sample("edge_proxy_certificate_expiry_timestamp_seconds", { listener: c.listener, name: c.name }, c.notAfter);
  family("edge_proxy_upstream_certificate_expiry_timestamp_seconds", "gauge", "When the client certificate a pool shows its members (tls.cert) expires (Unix time).");
  for (const c of poolCertificateExpiries(rt.pools.values())) sample("edge_proxy_upstream_certificate_expiry_timestamp_seconds", { pool: c.pool, name: c.name }, c.notAfter);
  return out.join("\n") + "\n";
}

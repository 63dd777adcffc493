/** The admin API's JSON shapes (Member, Pool, status), read from the live objects. */
import type { Member } from "../balancer/member.ts";
import type { Runtime, RuntimePool } from "../config/runtime.ts";

export interface MemberView {
  route: string; url: string; weight: number; configWeight: number; state: string; configState: string;
  standby: boolean; overridden: boolean;
  health: { status: "up" | "ejected" | "down"; reason: string; since: string; until: string | null; lastProbe: LastProbe | null };
  inFlight: number; requests: number; errors: number; bytesIn: number; bytesOut: number;
  latency: { p50: number | null; p99: number | null };
}

/** The last active probe: when it was sent, whether it passed, its duration in ms (0.1 ms steps). */
export interface LastProbe { at: string; ok: boolean; ms: number }

export interface PoolView { name: string; method: string; sticky: boolean; members: MemberView[] }

const iso = (ms: number) => new Date(ms).toISOString();

/** The member's URL as written in routes.json: origin, plus its base path when it has one. */
export function memberUrl(m: Member): string {
  return m.url.pathname === "/" ? m.origin : m.origin + m.url.pathname;
}

export function memberView(rt: Runtime, pool: string, m: Member): MemberView {
  const status = m.healthy ? "up" : m.healthUntil !== null ? "ejected" : "down";
  return {
    route: m.route, url: memberUrl(m), weight: m.weight, configWeight: m.configWeight,
    state: m.state, configState: m.configState, standby: m.standby, overridden: rt.registry.overridden(pool, m),
    health: { status, reason: m.healthReason, since: iso(m.healthSince), until: status === "ejected" ? iso(m.healthUntil!) : null, lastProbe: lastProbe(m) },
    inFlight: m.inflight, requests: m.requests, errors: m.errors, bytesIn: m.bytesIn, bytesOut: m.bytesOut,
    latency: { p50: m.latency.quantile(0.5), p99: m.latency.quantile(0.99) },
  };
}

function lastProbe(m: Member): LastProbe | null {
  return m.lastProbeAt === 0 ? null : { at: iso(m.lastProbeAt), ok: m.lastProbeOk, ms: Math.round(m.lastProbeMs * 10) / 10 };
}

export function poolView(rt: Runtime, p: RuntimePool): PoolView {
  const cfg = rt.config.pools[p.name];
  return { name: p.name, method: cfg?.method ?? "byrequests", sticky: cfg?.sticky !== undefined, members: p.pool.members.map((m) => memberView(rt, p.name, m)) };
}

export function poolsView(rt: Runtime): Record<string, PoolView> {
  const out: Record<string, PoolView> = {};
  for (const p of rt.pools.values()) out[p.name] = poolView(rt, p);
  return out;
}

export interface StatusInfo {
  version: string;
  startedAt: number;
  config: { file: string; generation: number; loadedAt: number };
  listeners: string[];
}

export function statusView(rt: Runtime, info: StatusInfo) {
  return {
    version: info.version,
    startedAt: iso(info.startedAt),
    config: { file: info.config.file, generation: info.config.generation, loadedAt: iso(info.config.loadedAt) },
    listeners: rt.listeners.map((l, i) => ({ address: info.listeners[i] ?? `${l.host}:${l.port}`, tls: l.tls !== undefined })),
    routes: [...rt.router.routes()].sort((a, b) => a.index - b.index).map((r) => ({
      name: r.label, host: r.host ?? null, path: r.path,
      // routes[].ports; null: every listener
      ports: r.ports ? [...r.ports] : null,
      pool: r.action.kind === "pool" ? r.action.pool.name : null, action: r.action.kind,
      requests: r.stats.requests, bytesIn: r.stats.bytesIn, bytesOut: r.stats.bytesOut,
      latency: { p50: r.stats.latency.quantile(0.5), p99: r.stats.latency.quantile(0.99) },
    })),
    pools: poolsView(rt),
  };
}

/** Finds a member by its route (the `:member` of the API), or by URL as a convenience. */
export function findMember(p: RuntimePool, id: string): Member | undefined {
  return p.pool.members.find((m) => m.route === id) ?? p.pool.members.find((m) => m.url.href === id || m.origin === id);
}

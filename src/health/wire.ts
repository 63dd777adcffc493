/**
 * Builds sticky sessions, passive and active health for every pool of a Runtime, and exposes
 * them as the engine's hooks (choose / outcome / stickyCookie) plus start/stop for the probe
 * timers. Nothing here keeps per-request state: insert mode re-reads the request's route when
 * the response head is known, so the hooks stay independent of the exchange's shape.
 */
import type { Member } from "../balancer/member.ts";
import { Sticky } from "../balancer/sticky.ts";
import type { Runtime, RuntimePool } from "../config/runtime.ts";
import type { EventLog } from "../log/events.ts";
import type { FastDeps, PickInput } from "../front/exchange.ts";
import { ActiveHealth } from "./active.ts";
import { PASSIVE_DEFAULTS, PassiveHealth } from "./passive.ts";

export interface Affinity {
  choose: FastDeps["choose"];
  outcome: FastDeps["outcome"];
  /** The Set-Cookie value a response from `member` must carry (insert mode, route changed), if any. */
  /** `upstreamHead`: the member's raw response head, for route learning (route-suffix mode). */
  stickyCookie: (pool: RuntimePool, x: PickInput, member: Member, upstreamHead?: string) => string | undefined;
  /** Starts the active probes (one immediate round per pool, then every interval). */
  start(): void;
  stop(): void;
  /** Per-pool parts, for status pages and tests. */
  readonly pools: ReadonlyMap<string, PoolAffinity>;
}

export interface PoolAffinity {
  sticky: Sticky | undefined;
  passive: PassiveHealth;
  active: ActiveHealth | undefined;
}

export interface AffinityDeps {
  events: EventLog;
  now?: () => number;
  every?: (ms: number, fn: () => void) => () => void;
}

/** `previous`: the running configuration's affinity, whose passive health state members keep across a reload. */
export function createAffinity(rt: Runtime, deps: AffinityDeps, previous?: Affinity): Affinity {
  const now = deps.now ?? (() => performance.now());
  const pools = new Map<string, PoolAffinity>();
  for (const [name, rp] of rt.pools) {
    const pc = rt.config.pools[name];
    if (!pc) continue;
    const activeCfg = pc.health?.active;
    const passiveCfg = pc.health?.passive ?? PASSIVE_DEFAULTS;
    const passive = new PassiveHealth(rp.pool, passiveCfg, { now, events: deps.events, trials: activeCfg === undefined });
    const before = previous?.pools.get(name)?.passive;
    if (before) passive.adopt(before);
    pools.set(name, {
      sticky: pc.sticky ? new Sticky(pc.sticky) : undefined,
      passive,
      active: activeCfg ? new ActiveHealth(rp.pool, activeCfg, { events: deps.events, dialers: rp.dialers, every: deps.every }) : undefined,
    });
  }
  const of = (pool: RuntimePool): PoolAffinity | undefined => pools.get(pool.name);
  const stickyRequest = (x: PickInput) => ({ cookie: x.cookie, target: x.rawTarget, clientIp: x.clientIp });
  const learn = (pool: RuntimePool, member: Member, setCookies: readonly string[]) => {
    const route = of(pool)?.sticky?.learn(member, setCookies);
    if (route !== undefined) deps.events("info", `pool=${pool.name} member=${member.origin} learned sticky route "${route}" from its Set-Cookie`);
  };
  const stickyCookie = (pool: RuntimePool, x: PickInput, member: Member, upstreamHead?: string) => {
    if (upstreamHead !== undefined && of(pool)?.sticky) learn(pool, member, setCookieLines(upstreamHead));
    return of(pool)?.sticky?.setCookieFor(stickyRequest(x), member);
  };

  return {
    pools,
    choose(pool, x, tried) {
      const a = of(pool);
      // The request itself is the pick context (it has clientIp): no object per request.
      if (!a) return pool.pool.pick(x, tried);
      const sticky = a.sticky;
      return a.passive.choose(sticky ? () => sticky.choose(pool.pool, stickyRequest(x), tried) : () => pool.pool.pick(x, tried), tried);
    },
    outcome(pool, member: Member, ok, reason) {
      of(pool)?.passive.outcome(member, ok, reason);
    },
    stickyCookie,
    start() {
      for (const a of pools.values()) a.active?.start();
    },
    stop() {
      for (const a of pools.values()) a.active?.stop();
    },
  };
}

/** The values of the Set-Cookie lines of a raw HTTP/1.1 response head. */
export function setCookieLines(head: string): string[] {
  return [...head.matchAll(/^set-cookie:[ \t]*(.*?)[ \t]*\r?$/gim)].map((m) => m[1]!);
}

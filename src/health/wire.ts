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
    const learned = of(pool)?.sticky?.learn(member, setCookies, pool.pool.members);
    if (learned?.taken) {
      deps.events("warn", `pool=${pool.name} member=${member.origin} sets sticky route "${learned.route}", which is ${learned.taken.origin}'s: not learned (give each member its own jvmRoute, or set routes in routes.json)`);
    } else if (learned) deps.events("info", `pool=${pool.name} member=${member.origin} learned sticky route "${learned.route}" from its Set-Cookie`);
  };
  const plainPick = (pool: RuntimePool, x: PickInput, tried: ReadonlySet<Member>) => pool.pool.pick(x, tried);
  const stickyPick = (pool: RuntimePool, x: PickInput, tried: ReadonlySet<Member>) => of(pool)!.sticky!.choose(pool.pool, stickyRequest(x), tried);
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
      return a.passive.choose(a.sticky ? stickyPick : plainPick, pool, x, tried);
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
  // Linear: a lazy (.*?) before [ \t]* backtracks quadratically on a long run of blanks, and this
  // runs on every response of a sticky pool (a 32 KB cookie of spaces stalled the proxy 1.6 s).
  return [...head.matchAll(/^set-cookie:([^\r\n]*)/gim)].map((m) => trimBlanks(m[1]!));
}

/** Without SP and HTAB at either end (RFC 9110 5.5 OWS), by index: a regex for it is quadratic too. */
function trimBlanks(s: string): string {
  let a = 0, b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return s.slice(a, b);
}

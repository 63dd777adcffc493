/**
 * Active health for one pool (Apache mod_proxy_hcheck `hcmethod`/`hcuri`/`hcpasses`/`hcfails`,
 * HAProxy `check rise fall`): every member, ejected ones included, is probed each `interval`;
 * `fall` failed probes in a row take it out, `rise` good ones bring it back with no restart
 * or reload (the seeds' complaint: Apache kept a recovered member out until `retry` expired).
 */
import type { Member } from "../balancer/member.ts";
import type { Pool } from "../balancer/pool.ts";
import type { PoolConfig } from "../config/schema.ts";
import type { EventLog } from "../log/events.ts";

export type ActiveConfig = NonNullable<NonNullable<PoolConfig["health"]>["active"]>;
export interface ProbeTls { verify: boolean; ca?: string | undefined; serverName?: string | undefined }

export interface ActiveDeps {
  events: EventLog;
  fetch: typeof fetch;
  /** Upstream TLS of the pool, used for https:// members like real traffic. */
  tls?: ProbeTls | undefined;
  /** Runs `fn` every `ms`; returns a cancel function. Default: an unref'd setInterval. */
  every?: (ms: number, fn: () => void) => () => void;
}

interface Counts { good: number; bad: number; seenHealthy: boolean }

/** "200-399" or "204" as an inclusive range. */
export function parseStatusRange(spec: string): [number, number] {
  const [lo, hi] = spec.split("-").map(Number);
  if (lo === undefined || !Number.isInteger(lo)) throw new RangeError(`bad status range ${spec}`);
  return [lo, hi ?? lo];
}

const defaultEvery = (ms: number, fn: () => void) => {
  const t = setInterval(fn, ms);
  t.unref?.();
  return () => clearInterval(t);
};

export class ActiveHealth {
  readonly #pool: Pool;
  readonly #cfg: ActiveConfig;
  readonly #deps: ActiveDeps;
  readonly #range: [number, number];
  readonly #body: RegExp | undefined;
  readonly #counts = new Map<Member, Counts>();
  #round: Promise<void> | undefined;
  #cancel: (() => void) | undefined;

  constructor(pool: Pool, cfg: ActiveConfig, deps: ActiveDeps) {
    this.#pool = pool;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#range = parseStatusRange(cfg.expectStatus);
    this.#body = cfg.expectBody === undefined ? undefined : new RegExp(cfg.expectBody);
  }

  /** Probes now, then every interval. A round still running when the next is due is not doubled. */
  start(): void {
    if (this.#cancel) return;
    const tick = () => {
      if (!this.#round) this.#round = this.probeOnce().finally(() => (this.#round = undefined));
    };
    this.#cancel = (this.#deps.every ?? defaultEvery)(this.#cfg.interval, tick);
    tick();
  }

  /** Resolves when the round started by start() or a tick has finished (for shutdown and tests). */
  idle(): Promise<void> {
    return this.#round ?? Promise.resolve();
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** One round: every member probed in parallel, then rise/fall applied. Never rejects. */
  async probeOnce(): Promise<void> {
    await Promise.all(this.#pool.members.map(async (m) => this.#apply(m, await this.probe(m))));
  }

  /** One probe of one member: undefined when it passed, else why it failed. */
  async probe(member: Member): Promise<string | undefined> {
    const base = member.url.pathname.endsWith("/") ? member.url.pathname.slice(0, -1) : member.url.pathname;
    const tls = member.url.protocol === "https:" && this.#deps.tls
      ? { rejectUnauthorized: this.#deps.tls.verify, ca: this.#deps.tls.ca, serverName: this.#deps.tls.serverName }
      : undefined;
    try {
      const res = await this.#deps.fetch(member.origin + base + this.#cfg.path, {
        method: this.#cfg.method,
        headers: { host: this.#cfg.host ?? member.url.host },
        redirect: "manual",
        decompress: false,
        signal: AbortSignal.timeout(this.#cfg.timeout),
        ...(tls ? { tls } : {}),
      });
      const [lo, hi] = this.#range;
      if (res.status < lo || res.status > hi) {
        await res.body?.cancel();
        return `status ${res.status}, expected ${this.#cfg.expectStatus}`;
      }
      if (!this.#body) {
        await res.body?.cancel();
        return undefined;
      }
      return this.#body.test(await res.text()) ? undefined : `body does not match /${this.#cfg.expectBody}/`;
    } catch (e) {
      const err = e as { name?: string; code?: string; message?: string };
      if (err.name === "TimeoutError") return `no answer within ${this.#cfg.timeout}ms`;
      return `${err.code ?? err.name ?? "error"}: ${err.message ?? String(e)}`;
    }
  }

  #apply(member: Member, failure: string | undefined): void {
    let c = this.#counts.get(member);
    // Someone else changed the status (passive ejection, its recovery): count from zero,
    // so a passively ejected member needs `rise` fresh good probes to come back.
    if (!c || c.seenHealthy !== member.healthy) c = { good: 0, bad: 0, seenHealthy: member.healthy };
    if (failure === undefined) {
      c.good++;
      c.bad = 0;
    } else {
      c.bad++;
      c.good = 0;
    }
    if (member.healthy && c.bad >= this.#cfg.fall) {
      this.#pool.setStatus(member, false);
      member.healthReason = `${c.bad} failed probes: ${failure}`;
      member.ejectionsActive++;
      member.healthUntil = null;
      this.#log("warn", member, `ejected: ${c.bad} failed health probes in a row, last: ${failure}`);
    } else if (!member.healthy && c.good >= this.#cfg.rise) {
      this.#pool.setStatus(member, true);
      this.#log("info", member, `recovered: ${c.good} good health probes in a row`);
    }
    c.seenHealthy = member.healthy;
    this.#counts.set(member, c);
  }

  #log(level: "info" | "warn", member: Member, msg: string): void {
    this.#deps.events(level, `pool=${this.#pool.name} member=${member.origin} ${msg}`);
  }
}

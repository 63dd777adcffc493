/**
 * Active health for one pool (Apache mod_proxy_hcheck `hcmethod`/`hcuri`/`hcpasses`/`hcfails`,
 * HAProxy `check rise fall`): every member, ejected ones included, is probed each `interval`;
 * `fall` failed probes in a row take it out, `rise` good ones bring it back with no restart
 * or reload (an operators' complaint: Apache kept a recovered member out until `retry` expired).
 */
import type { Member } from "../balancer/member.ts";
import type { Pool } from "../balancer/pool.ts";
import type { PoolConfig } from "../config/schema.ts";
import type { EventLog } from "../log/events.ts";
import { Cancel } from "../proxy/cancel.ts";
import { ConnectError, tlsAlertReason, UpstreamError } from "../upstream/errors.ts";
import { Dialer } from "../upstream/dial.ts";
import { sendProbe, type ProbeAnswer, type ProbeRequest } from "./probe.ts";

export type ActiveConfig = NonNullable<NonNullable<PoolConfig["health"]>["active"]>;

/** Sends one probe request to `member` (tests inject one); resolves with its status and, with `wantBody`, its body. */
export type ProbeSend = (member: Member, req: ProbeRequest, connectTimeoutMs: number, wantBody: boolean, signal: Cancel) => Promise<ProbeAnswer>;

export interface ActiveDeps {
  events: EventLog;
  /** How each member is connected to (TLS and its session, as real traffic); default: plain settings from its URL. */
  dialers?: ReadonlyMap<Member, Dialer> | undefined;
  send?: ProbeSend | undefined;
  /** Wall-clock ms, stamped on each probe (Member.lastProbeAt). Default: Date.now. */
  now?: () => number;
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
  /** Members without a Dialer of the pool's (tests): one made from the URL, kept for its TLS session. */
  readonly #dialers = new Map<Member, Dialer>();
  readonly #send: ProbeSend;
  /** Probes under way, by member: each member has at most one. */
  readonly #inFlight = new Map<Member, Promise<void>>();
  #cancel: (() => void) | undefined;

  constructor(pool: Pool, cfg: ActiveConfig, deps: ActiveDeps) {
    this.#pool = pool;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#range = parseStatusRange(cfg.expectStatus);
    this.#body = cfg.expectBody === undefined ? undefined : new RegExp(cfg.expectBody);
    this.#send = deps.send ?? ((m, req, ms, wantBody, signal) => sendProbe(this.#dialer(m), req, ms, wantBody, signal));
  }

  /** The member's Dialer, shared with its traffic: TLS settings and session in one place. */
  #dialer(m: Member): Dialer {
    const shared = this.#deps.dialers?.get(m);
    if (shared) return shared;
    let d = this.#dialers.get(m);
    if (!d) this.#dialers.set(m, (d = new Dialer(m.url)));
    return d;
  }

  /**
   * Probes now, then every interval. Each member is on its own clock: one whose probe is still
   * running when the next is due is not probed twice, and a hanging member does not hold back
   * the probes of the others (HAProxy schedules each server's checks apart, too).
   */
  start(): void {
    if (this.#cancel) return;
    const tick = () => void this.probeOnce();
    this.#cancel = (this.#deps.every ?? defaultEvery)(this.#cfg.interval, tick);
    tick();
  }

  /** Resolves when every probe under way has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    await Promise.all(this.#inFlight.values());
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /**
   * One round: every member not still being probed is probed, in parallel, and rise/fall applied
   * as each answers. Resolves when this round's probes (and any still running) are done. Never rejects.
   */
  async probeOnce(): Promise<void> {
    await Promise.all(this.#pool.members.map((m) => {
      let p = this.#inFlight.get(m);
      if (!p) {
        p = this.#probeAndApply(m).finally(() => this.#inFlight.delete(m));
        this.#inFlight.set(m, p);
      }
      return p;
    }));
  }

  async #probeAndApply(m: Member): Promise<void> {
    const at = (this.#deps.now ?? Date.now)();
    const t0 = performance.now();
    const failure = await this.probe(m);
    // Stored on the member, so the admin API and the page read it as any other health field.
    m.lastProbeAt = at;
    m.lastProbeMs = performance.now() - t0;
    m.lastProbeOk = failure === undefined;
    this.#apply(m, failure);
  }

  /** One probe of one member: undefined when it passed, else why it failed, in the proxy's words. */
  async probe(member: Member): Promise<string | undefined> {
    const base = member.url.pathname.endsWith("/") ? member.url.pathname.slice(0, -1) : member.url.pathname;
    const cancel = new Cancel();
    const timer = setTimeout(() => cancel.abort(new ProbeTimeout()), this.#cfg.timeout);
    try {
      const req = { method: this.#cfg.method, target: base + this.#cfg.path, host: this.#cfg.host ?? member.url.host };
      const res = await this.#send(member, req, this.#cfg.timeout, this.#body !== undefined, cancel);
      const [lo, hi] = this.#range;
      if (res.status < lo || res.status > hi) return `status ${res.status}, expected ${this.#cfg.expectStatus}`;
      if (!this.#body) return undefined;
      return this.#body.test(res.body ?? "") ? undefined : `body does not match /${this.#cfg.expectBody}/`;
    } catch (e) {
      if (e instanceof ProbeTimeout) return `no answer within ${this.#cfg.timeout}ms`;
      if (e instanceof ConnectError || e instanceof UpstreamError) return tlsAlertReason(e.message);
      return `error: ${(e as Error)?.message ?? String(e)}`;
    } finally {
      clearTimeout(timer);
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

class ProbeTimeout extends Error {}

/**
 * Passive health for one pool: real traffic's failures eject a member (nginx `max_fails` /
 * `fail_timeout`, Envoy outlier detection). `maxFails` failures within `window` eject it for
 * `ejectFor`, doubled on each ejection in a row up to 10x. Without active checks the member
 * then gets ONE trial request at a time (nginx sends one request after fail_timeout; Apache
 * retries a member whose `retry` expired): success brings it back, failure re-ejects it.
 * With active checks, recovery is left to the probes, so there is no trial.
 * No timers: expiry is noticed lazily in `choose`, from the injected clock.
 * Panic: when passive health alone has taken out every member that is not disabled, requests
 * go to the ejected member whose ejection ends first instead of a 503 for everyone (NGINX never
 * marks its only server unavailable; Envoy ignores health below its panic threshold). A member
 * that is out for another reason (failing active probes) keeps the pool out of panic.
 */
import type { Member } from "../balancer/member.ts";
import type { Pool } from "../balancer/pool.ts";
import type { EventLog } from "../log/events.ts";

export interface PassiveConfig { maxFails: number; window: number; ejectFor: number }

export const PASSIVE_DEFAULTS: PassiveConfig = { maxFails: 1, window: 10_000, ejectFor: 30_000 };
const MAX_BACKOFF = 10;

export interface PassiveDeps {
  now: () => number;
  events: EventLog;
  /** False when active checks own recovery (probes only, no trial requests). */
  trials: boolean;
}

type State =
  | { kind: "ok"; failures: readonly number[] }
  | { kind: "ejected"; until: number }
  /** Ejection over, healthy again, waiting for the request that will be the trial. */
  | { kind: "ready" }
  /** The trial request is in flight: not selectable until its outcome (or its lease ends). */
  | { kind: "trial"; since: number };

const NO_FAILURES: State = Object.freeze({ kind: "ok", failures: Object.freeze([]) as readonly number[] });

export class PassiveHealth {
  readonly #pool: Pool;
  readonly #cfg: PassiveConfig;
  readonly #deps: PassiveDeps;
  readonly #state = new Map<Member, State>();
  /** Ejections in a row per member; cleared by a success. */
  readonly #streak = new Map<Member, number>();
  /** Inside a panic episode (logged once when it starts and once when it ends). */
  #panic = false;

  constructor(pool: Pool, cfg: PassiveConfig, deps: PassiveDeps) {
    this.#pool = pool;
    this.#cfg = cfg;
    this.#deps = deps;
  }

  /**
   * Wraps one member choice. Members whose ejection ended become selectable first; if the
   * choice lands on such a member, that request is its trial and the member is taken out
   * again until the outcome arrives, so only one trial is ever in flight per member. `pick`
   * gets `on` and `input` passed, not captured: no closure per request.
   */
  choose<O, I, T extends ReadonlySet<Member> | undefined>(pick: (on: O, input: I, tried: T) => Member | null | undefined, on: O, input: I, tried: T): Member | undefined {
    if (this.#deps.trials) this.#admitTrials();
    const chosen = pick(on, input, tried);
    // null: a refusal (a sticky session without failover), which panic mode must not override.
    if (chosen === null) return undefined;
    if (!chosen) return this.#panicPick(tried);
    if (this.#panic) {
      this.#panic = false;
      this.#deps.events("info", `pool=${this.#pool.name} panic over: a member is available again`);
    }
    if (this.#stateOf(chosen).kind === "ready") {
      this.#state.set(chosen, { kind: "trial", since: this.#deps.now() });
      this.#pool.setStatus(chosen, false);
    }
    return chosen;
  }

  /** Result of one try: ok=false for connect errors, timeouts, upstream errors, failOnStatus. */
  outcome(member: Member, ok: boolean, reason: string): void {
    const st = this.#stateOf(member);
    if (st.kind === "trial") {
      if (ok) this.#recover(member, "trial request succeeded");
      else this.#eject(member, `trial request failed: ${reason}`);
      return;
    }
    // In panic, a success of an ejected member is the good news the pool waits for.
    if (st.kind === "ejected" && ok && this.#panic) return this.#recover(member, "request in panic mode succeeded");
    // Outcomes of requests that started before an ejection say nothing new about it.
    if (st.kind !== "ok") return;
    if (ok) {
      this.#streak.delete(member);
      return;
    }
    const now = this.#deps.now();
    const recent = st.failures.filter((t) => now - t < this.#cfg.window);
    recent.push(now);
    if (recent.length >= this.#cfg.maxFails) {
      this.#eject(member, `${recent.length} failure(s) within ${this.#cfg.window}ms, last: ${reason}`);
    } else {
      this.#state.set(member, { kind: "ok", failures: recent });
    }
  }

  /** A reload: members that stayed keep their ejection, failures and streak from the running pool. */
  adopt(previous: PassiveHealth): void {
    for (const m of this.#pool.members) {
      const st = previous.#state.get(m);
      if (st) this.#state.set(m, st);
      const streak = previous.#streak.get(m);
      if (streak !== undefined) this.#streak.set(m, streak);
    }
  }

  /** Milliseconds the member stays ejected, or undefined when it is not ejected (for status pages). */
  ejectedFor(member: Member): number | undefined {
    const st = this.#stateOf(member);
    return st.kind === "ejected" ? Math.max(0, st.until - this.#deps.now()) : undefined;
  }

  /** The ejected member whose ejection ends first, when every non-disabled member is ejected. */
  #panicPick(tried?: ReadonlySet<Member>): Member | undefined {
    let best: Member | undefined;
    let bestUntil = Infinity;
    let live = 0;
    for (const m of this.#pool.members) {
      if (m.state === "disabled") continue;
      live++;
      const st = this.#stateOf(m);
      if (st.kind !== "ejected" && st.kind !== "trial") return undefined;
      // A trial in flight means its ejection already ended: it ranks first.
      const until = st.kind === "ejected" ? st.until : -Infinity;
      if (!tried?.has(m) && until < bestUntil) [best, bestUntil] = [m, until];
    }
    if (live === 0 || !best) return undefined;
    if (!this.#panic) {
      this.#panic = true;
      this.#log("warn", best, "panic: every member is ejected; sending requests to the one whose ejection ends first");
    }
    return best;
  }

  #admitTrials(): void {
    const now = this.#deps.now();
    for (const [member, st] of this.#state) {
      if (st.kind === "ejected" && now >= st.until) {
        this.#state.set(member, { kind: "ready" });
        if (this.#pool.setStatus(member, true)) this.#log("info", member, "ejection ended; one trial request allowed");
      } else if (st.kind === "trial" && now - st.since >= this.#cfg.ejectFor) {
        // The trial's outcome never came (e.g. the client went away): allow another one.
        this.#state.set(member, { kind: "ready" });
        this.#pool.setStatus(member, true);
      }
    }
  }

  #eject(member: Member, why: string): void {
    const fromTrial = this.#state.get(member)?.kind === "trial";
    const streak = (this.#streak.get(member) ?? 0) + 1;
    this.#streak.set(member, streak);
    const ms = Math.min(this.#cfg.ejectFor * 2 ** (streak - 1), this.#cfg.ejectFor * MAX_BACKOFF);
    this.#state.set(member, { kind: "ejected", until: this.#deps.now() + ms });
    const wasUp = this.#pool.setStatus(member, false);
    member.healthReason = why;
    member.healthUntil = Date.now() + ms;
    if (wasUp) member.ejectionsPassive++;
    // A trial member is already out of rotation: its re-ejection is still a state change.
    const recovery = this.#deps.trials ? `for ${ms}ms` : "until health probes pass";
    if (wasUp || fromTrial) this.#log("warn", member, `ejected ${recovery} (ejection ${streak} in a row): ${why}`);
  }

  #recover(member: Member, why: string): void {
    this.#state.set(member, { kind: "ok", failures: [] });
    this.#streak.delete(member);
    if (this.#pool.setStatus(member, true)) this.#log("info", member, `recovered: ${why}`);
  }

  /**
   * Current state. A member we ejected that is healthy again was brought back by someone
   * else (active probes): forget the ejection so real traffic counts again.
   */
  #stateOf(member: Member): State {
    const st = this.#state.get(member) ?? NO_FAILURES; // shared: a member's state is replaced, never mutated
    if ((st.kind === "ejected" || st.kind === "trial") && member.healthy) {
      const fresh: State = { kind: "ok", failures: [] };
      this.#state.set(member, fresh);
      return fresh;
    }
    return st;
  }

  #log(level: "info" | "warn", member: Member, msg: string): void {
    this.#deps.events(level, `pool=${this.#pool.name} member=${member.origin} ${msg}`);
  }
}

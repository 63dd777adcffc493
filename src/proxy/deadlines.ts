/**
 * Response and idle timeouts for every request in flight, checked by one coarse ticker
 * instead of a setTimeout per request and per body chunk (which costs measurable throughput
 * at tens of thousands of requests a second). Precision is the tick (100 ms by default),
 * which is finer than NGINX's proxy_read_timeout needs. The clock is injected for tests.
 */
export interface Clock { now(): number }
export const systemClock: Clock = { now: () => performance.now() };

export interface Watch {
  deadline: number;
  onExpire: () => void;
}

export class Deadlines {
  readonly #watches = new Set<Watch>();
  readonly #clock: Clock;
  readonly #tickMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(clock: Clock = systemClock, tickMs = 100) {
    this.#clock = clock;
    this.#tickMs = tickMs;
  }

  now(): number {
    return this.#clock.now();
  }

  /** Calls `onExpire` once if `ms` pass before `clear`; `extend` pushes the deadline (idle timers). */
  watch(ms: number, onExpire: () => void): Watch {
    const w: Watch = { deadline: this.#clock.now() + ms, onExpire };
    this.#watches.add(w);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.tick(), this.#tickMs);
      this.#timer.unref?.();
    }
    return w;
  }

  extend(w: Watch, ms: number): void {
    w.deadline = this.#clock.now() + ms;
  }

  clear(w: Watch): void {
    this.#watches.delete(w);
  }

  /** Fires expired watches; public so tests drive time with an injected clock. */
  tick(): void {
    const now = this.#clock.now();
    for (const w of this.#watches) {
      if (w.deadline <= now) {
        this.#watches.delete(w);
        w.onExpire();
      }
    }
    if (this.#watches.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

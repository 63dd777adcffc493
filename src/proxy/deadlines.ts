/**
 * Response and idle timeouts for every request in flight, checked by one coarse ticker
 * instead of a setTimeout per request and per body chunk (which costs measurable throughput
 * at tens of thousands of requests a second). Precision is the tick (100 ms by default),
 * which is finer than NGINX's proxy_read_timeout needs. The clock is injected for tests.
 *
 * Armed watches form an intrusive doubly linked list: arming and clearing are a few pointer
 * writes, with no hashing and no allocation when the watcher is itself the Watch (an exchange
 * is its own, try-request.ts), and nothing keeps a cleared watcher alive for the collector.
 */
export interface Clock { now(): number }
export const systemClock: Clock = { now: () => performance.now() };

export interface Watch {
  deadline: number;
  /** The armed list's links: written by Deadlines only (null: not armed). */
  prevWatch: Watch | null;
  nextWatch: Watch | null;
  expire(): void;
}

/** A watch around a callback, for watchers that are not a Watch themselves. */
class CallbackWatch implements Watch {
  deadline = 0;
  prevWatch: Watch | null = null;
  nextWatch: Watch | null = null;
  readonly onExpire: () => void;
  constructor(onExpire: () => void) { this.onExpire = onExpire; }
  expire(): void { this.onExpire(); }
}

/** Marks a watch taken off the list by a tick and about to fire: clearing it cancels that. */
const DUE: Watch = new CallbackWatch(() => {});

export class Deadlines {
  readonly #head: Watch = new CallbackWatch(() => {});
  #armed = 0;
  readonly #clock: Clock;
  readonly #tickMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(clock: Clock = systemClock, tickMs = 100) {
    this.#clock = clock;
    this.#tickMs = tickMs;
    this.#head.prevWatch = this.#head.nextWatch = this.#head;
  }

  now(): number {
    return this.#clock.now();
  }

  /** Calls `onExpire` once if `ms` pass before `clear`; `extend` pushes the deadline (idle timers). */
  watch(ms: number, onExpire: () => void): Watch {
    const w = new CallbackWatch(onExpire);
    this.arm(w, ms);
    return w;
  }

  /** `w.expire()` runs once if `ms` pass before `clear`; arming an armed watch moves its deadline. */
  arm(w: Watch, ms: number): void {
    w.deadline = this.#clock.now() + ms;
    if (this.armed(w)) return;
    const tail = this.#head.prevWatch!;
    w.prevWatch = tail;
    w.nextWatch = this.#head;
    tail.nextWatch = w;
    this.#head.prevWatch = w;
    if (this.#armed++ === 0 && !this.#timer) {
      this.#timer = setInterval(() => this.tick(), this.#tickMs);
      this.#timer.unref?.();
    }
  }

  armed(w: Watch): boolean {
    return w.prevWatch !== null && w.prevWatch !== DUE;
  }

  /** Moves the deadline of an armed watch; a cleared one stays cleared. */
  extend(w: Watch, ms: number): void {
    w.deadline = this.#clock.now() + ms;
  }

  clear(w: Watch): void {
    if (w.prevWatch === DUE) w.prevWatch = null;
    else if (w.prevWatch !== null) this.#unlink(w);
  }

  #unlink(w: Watch): void {
    w.prevWatch!.nextWatch = w.nextWatch;
    w.nextWatch!.prevWatch = w.prevWatch;
    w.prevWatch = w.nextWatch = null;
    this.#armed--;
  }

  /**
   * Fires expired watches; public so tests drive time with an injected clock. The due ones
   * leave the list first, so a callback may arm or clear any watch, a due one included.
   */
  tick(): void {
    const now = this.#clock.now();
    const head = this.#head;
    let due: Watch[] | undefined;
    for (let w = head.nextWatch!; w !== head; ) {
      const next = w.nextWatch!;
      if (w.deadline <= now) {
        this.#unlink(w);
        w.prevWatch = DUE;
        (due ??= []).push(w);
      }
      w = next;
    }
    if (due) for (const w of due) if (w.prevWatch === DUE) { w.prevWatch = null; w.expire(); }
    if (this.#armed === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

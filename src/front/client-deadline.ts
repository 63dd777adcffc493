/**
 * The one client-side deadline a connection runs at a time (NGINX client_header_timeout,
 * client_body_timeout): the head's runs from its first byte and is never pushed on (a
 * slowloris client dripping bytes is still cut), the body's is pushed on by every read.
 * Nothing runs while the client waits for us, so the common request costs no watch.
 */
import type { ClientTimeouts } from "../config/runtime.ts";
import type { Deadlines, Watch } from "../proxy/deadlines.ts";

export const NONE = 0, HEAD = 1, BODY = 2;

export class ClientDeadline {
  #watch: Watch | undefined;
  #kind = NONE;

  readonly deadlines: Deadlines;
  readonly timeouts: ClientTimeouts;
  readonly expired: (kind: number) => void;

  constructor(deadlines: Deadlines, timeouts: ClientTimeouts, expired: (kind: number) => void) {
    this.deadlines = deadlines;
    this.timeouts = timeouts;
    this.expired = expired;
  }

  get running(): boolean {
    return this.#kind !== NONE;
  }

  set(kind: number): void {
    const ms = kind === HEAD ? this.timeouts.header : this.timeouts.body;
    if (kind === this.#kind) {
      if (kind === BODY) this.deadlines.extend(this.#watch!, ms);
      return;
    }
    if (this.#watch) this.deadlines.clear(this.#watch);
    this.#kind = kind;
    this.#watch = kind === NONE ? undefined : this.deadlines.watch(ms, () => {
      this.#watch = undefined;
      this.#kind = NONE;
      this.expired(kind);
    });
  }
}

/**
 * The engine's keep-alive connections to one member (plain or TLS, dial.ts): LIFO idle stack, no cap
 * on concurrent connections (NGINX `keepalive` semantics without its throttling). The socket
 * carries bytes only; the exchange that holds it writes the request (try-request.ts), parses
 * and relays the response (try-response.ts).
 */
import type { Socket, SocketHandler } from "bun";
import type { Dialer } from "../upstream/dial.ts";

/** Whoever holds the socket right now gets its events. */
export interface LaneUser {
  upstreamData(s: LaneSocket, d: Buffer): void;
  upstreamDrain(s: LaneSocket): void;
  upstreamClosed(s: LaneSocket, err: Error | undefined): void;
}

export interface LaneSocketState {
  user: LaneUser | undefined;
  lane: MemberLane;
  closed: boolean;
  idleSince: number;
}
export type LaneSocket = Socket<LaneSocketState>;

function closed(s: LaneSocket, err?: Error): void {
  const d = s.data;
  if (d.closed) return;
  d.closed = true;
  const user = d.user;
  d.user = undefined;
  if (user) user.upstreamClosed(s, err);
  else d.lane.forget(s);
}

const HANDLERS: SocketHandler<LaneSocketState> = {
  open(s) {
    s.setNoDelay(true);
  },
  data(s, d) {
    const user = s.data.user;
    // Bytes on an idle connection answer nothing we asked: the connection is unusable.
    if (user) user.upstreamData(s, d);
    else s.terminate();
  },
  drain(s) {
    s.data.user?.upstreamDrain(s);
  },
  close: (s, err) => closed(s, err),
  error: (s, err) => closed(s, err),
  connectError() {}, // reported through Bun.connect's promise
};

/** An idle connection older than this is closed (NGINX `keepalive_timeout` in an upstream block, 60 s). */
export const IDLE_MS = 60_000;
/** Idle connections kept per member; a released one past this is ended (NGINX `keepalive N`). */
export const MAX_IDLE = 1024;

/** Injectable for tests: the idle sweep's time and its repeating timer. */
export interface LaneClock {
  now(): number;
  every(ms: number, fn: () => void): () => void;
}
const realClock: LaneClock = {
  now: () => performance.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref(); // idle connections are never why the process stays up
    return () => clearInterval(t);
  },
};

export class MemberLane {
  readonly dialer: Dialer;
  readonly #idle: LaneSocket[] = [];
  readonly #clock: LaneClock;
  #stopSweep: (() => void) | undefined;
  #closed = false;

  /** One Dialer per member, shared with the probes: TLS settings and session in one place. */
  constructor(dialer: Dialer, clock: LaneClock = realClock) {
    this.dialer = dialer;
    this.#clock = clock;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  /** The most recently used idle socket (least likely to have been closed by the member). */
  take(user: LaneUser): LaneSocket | undefined {
    for (let s = this.#idle.pop(); s !== undefined; s = this.#idle.pop()) {
      if (s.data.closed) continue;
      s.data.user = user;
      return s;
    }
    return undefined;
  }

  /** A new connection (TLS: verified), or ConnectError (ETIMEDOUT past `timeoutMs`, handshake included). */
  connect(user: LaneUser, timeoutMs: number): Promise<LaneSocket> {
    const data: LaneSocketState = { user: undefined, lane: this, closed: false, idleSince: 0 };
    return this.dialer.connect(data, HANDLERS, timeoutMs).then((s) => {
      data.user = user;
      return s;
    });
  }

  /** Back to the idle stack after a complete response on a connection the member keeps open. */
  release(s: LaneSocket): void {
    s.data.user = undefined;
    if (this.#closed || this.#idle.length >= MAX_IDLE || s.data.closed) return void s.end();
    s.data.idleSince = this.#clock.now();
    this.#idle.push(s);
    this.#stopSweep ??= this.#clock.every(IDLE_MS / 4, () => this.#sweep());
  }

  forget(s: LaneSocket): void {
    const i = this.#idle.lastIndexOf(s);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#idle.splice(0)) s.end();
    this.#endSweep();
  }

  #endSweep(): void {
    this.#stopSweep?.();
    this.#stopSweep = undefined;
  }

  #sweep(): void {
    // The stack is ordered by release time, oldest at the bottom: the expired ones are a prefix.
    const cutoff = this.#clock.now() - IDLE_MS;
    let n = 0;
    while (n < this.#idle.length && this.#idle[n]!.data.idleSince <= cutoff) n++;
    for (const s of this.#idle.splice(0, n)) s.end();
    if (this.#idle.length === 0) this.#endSweep();
  }
}

/**
 * One client connection on a plain listener. Each request head is offered to the fast lane
 * (request-head.ts decides what qualifies); the first one that does not qualify turns the
 * connection into a tunnel to the full spine for the rest of its life (tunnel.ts). Responses
 * leave in request order: a pipelined request waits in the buffer until the one before is done.
 */
import type { Socket } from "bun";
import type { RuntimePool, RuntimeRoute } from "../config/runtime.ts";
import { plainIp } from "../proxy/headers.ts";
import { FastExchange, type ClientLink, type FastDeps } from "./fast-exchange.ts";
import { headEnd, MAX_FAST_HEAD, readFastHead, type FastHead } from "./request-head.ts";
import { Tunnel, type TunnelClient, type TunnelRegistry } from "./tunnel.ts";

export interface FastPlan {
  route: RuntimeRoute;
  pool: RuntimePool;
  path: string;
  canonical: string;
}

export interface FrontContext {
  deps: FastDeps;
  /** The route and pool for a head the lane can serve, or undefined for the spine. */
  plan(head: FastHead): FastPlan | undefined;
  registry: TunnelRegistry;
  internalPort: number;
  idleTimeoutSec: number;
  /** Set when the listener stops: finish what is in flight, then close. */
  stopping: boolean;
}

/** Pipelined bytes waiting behind a busy exchange, before reading from the client pauses. */
const MAX_BUFFERED = 64 * 1024;

export class ClientConn implements ClientLink, TunnelClient {
  readonly ip: string;
  readonly trusted: boolean;
  #buf: Buffer | undefined;
  #busy: FastExchange | undefined;
  #tunnel: Tunnel | undefined;
  #queue: Uint8Array[] = [];
  #closeWhenFlushed = false;
  /** The client half-closed (FIN): answer what it sent, then close. */
  #readEnded = false;
  #closed = false;
  #paused = false;
  #looping = false;

  readonly sock: Socket<ClientConn>;
  readonly ctx: FrontContext;

  constructor(sock: Socket<ClientConn>, ctx: FrontContext) {
    this.sock = sock;
    this.ctx = ctx;
    this.ip = plainIp(sock.remoteAddress);
    this.trusted = ctx.deps.isTrustedProxy(this.ip);
  }

  /** Nothing in flight: safe to close (keep-alive timeout, shutdown). */
  get idle(): boolean {
    return !this.#busy && !this.#tunnel && this.#queue.length === 0;
  }

  onData(d: Buffer): void {
    if (this.#tunnel) return this.#tunnel.fromClient(d);
    if (this.#closeWhenFlushed) return; // after Connection: close nothing more is read (RFC 9112 9.6)
    this.#buf = this.#buf ? Buffer.concat([this.#buf, d]) : d;
    if (this.#busy || this.#queue.length) {
      if (this.#buf.byteLength > MAX_BUFFERED) this.pauseReading();
      return;
    }
    this.#next();
  }

  #next(): void {
    if (this.#looping) return;
    this.#looping = true;
    try {
      // A pipelined request waits until the answers before it are out: a client that sends
      // and never reads must not make us hold its answers (backpressure through the kernel).
      while (this.#buf && !this.#busy && !this.#tunnel && !this.#closeWhenFlushed && !this.#closed && this.#queue.length === 0) {
        const buf = this.#buf;
        const end = headEnd(buf);
        if (end === -1 && buf.byteLength <= MAX_FAST_HEAD) return;
        if (end > MAX_FAST_HEAD) return this.#toTunnel(); // the spine answers 431 as it would
        const started = performance.now();
        const head = end > 0 ? readFastHead(buf.toString("latin1", 0, end)) : undefined;
        const plan = head && !this.ctx.stopping ? this.ctx.plan(head) : undefined;
        if (!head || !plan) return this.#toTunnel();
        this.#buf = end < buf.byteLength ? buf.subarray(end) : undefined;
        this.#busy = new FastExchange(this, head, plan.path, plan.canonical, plan.route, plan.pool, this.ctx.deps, started);
        this.#busy.start();
      }
    } finally {
      this.#looping = false;
      // Nothing in flight and nothing more will come: a half-closed client has all its answers.
      if (this.#readEnded && !this.#busy && !this.#tunnel && !this.#closeWhenFlushed && this.#queue.length === 0) this.#closeAfterFlush();
    }
  }

  #toTunnel(): void {
    const first = this.#buf!;
    this.#buf = undefined;
    this.sock.timeout(0); // the spine's server keeps its own idle timeout
    this.#tunnel = new Tunnel(this, this.ctx.registry, this.ctx.internalPort, first);
  }

  send(bytes: Uint8Array): boolean {
    if (this.#closed) return true;
    if (this.#queue.length === 0) {
      const n = this.sock.write(bytes);
      if (n >= bytes.byteLength) return true;
      this.#queue.push(bytes.slice(Math.max(n, 0)));
    } else this.#queue.push(bytes.slice());
    return false;
  }

  onDrain(): void {
    while (this.#queue.length) {
      const b = this.#queue[0]!;
      const n = this.sock.write(b);
      if (n < b.byteLength) {
        this.#queue[0] = b.subarray(Math.max(n, 0));
        return;
      }
      this.#queue.shift();
    }
    if (this.#closeWhenFlushed) return void this.sock.end();
    this.#busy?.clientDrained();
    this.#tunnel?.clientDrained();
    if (!this.#busy && !this.#tunnel) {
      this.resumeReading();
      this.#next();
    }
  }

  done(keepAlive: boolean): void {
    this.#busy = undefined;
    if (!keepAlive || this.ctx.stopping) return this.#closeAfterFlush();
    if (this.#queue.length) return; // onDrain goes on once the answers are out
    this.resumeReading();
    this.#next();
  }

  abort(): void {
    this.#closed = true;
    this.sock.terminate();
  }

  pauseReading(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.sock.pause();
    }
  }

  resumeReading(): void {
    if (this.#paused) {
      this.#paused = false;
      this.sock.resume();
    }
  }

  tunnelClosed(): void {
    this.#closeAfterFlush();
  }

  #closeAfterFlush(): void {
    this.#closeWhenFlushed = true;
    if (this.#queue.length === 0) this.sock.end();
  }

  /**
   * The client sent FIN after its request (`allowHalfOpen`): it still gets the answers, as
   * NGINX and HAProxy answer a half-closed client. A tunnelled connection closes as before:
   * the spine's Bun.serve does not answer half-closed connections.
   */
  onEnd(): void {
    this.#readEnded = true;
    if (this.#tunnel) return void this.sock.end();
    if (!this.#busy) this.#next();
  }

  onClose(): void {
    if (this.#closed && !this.#busy && !this.#tunnel) return;
    this.#closed = true;
    const busy = this.#busy;
    this.#busy = undefined;
    busy?.clientGone();
    this.#tunnel?.clientClosed();
  }

  /** Keep-alive timeout: only an idle connection is closed; a slow member has its own deadlines. */
  onTimeout(): void {
    if (this.idle) this.sock.end();
    else this.sock.timeout(this.ctx.idleTimeoutSec);
  }

  /** Shutdown: close now if idle, else after the exchange in flight. */
  stop(): void {
    if (this.idle) this.sock.end();
  }
}

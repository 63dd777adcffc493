/**
 * One client connection on a plain listener. Each request head is offered to the fast lane
 * (request-head.ts decides what qualifies); the first one that does not qualify turns the
 * connection into a tunnel to the full spine for the rest of its life (tunnel.ts), every
 * byte of it checked on the way (tunnel-gate.ts). Responses leave in request order: a
 * pipelined request waits in the buffer until the one before is done. A client slower than
 * clientTimeouts with a head or a body gets 408 (NGINX client_header_timeout,
 * client_body_timeout), so a slowloris client is cut at the header deadline.
 */
import type { Socket } from "bun";
import { errorBytes, type ProxyErrorKind } from "../proxy/errors.ts";
import { plainIp } from "../proxy/headers.ts";
import { BODY, ClientDeadline, HEAD, NONE } from "./client-deadline.ts";
import { LocalAnswer, localEntry } from "./local-answer.ts";
import { heldBodyEnd, TUNNEL, WAIT } from "./held-body.ts";
import { BadHead, refusedEntry } from "./request-check.ts";
import { OPAQUE, TunnelGate } from "./tunnel-gate.ts";
import { FastExchange, type ClientLink, type FastDeps } from "./fast-exchange.ts";
import type { FrontContext } from "./front-context.ts";
import { headEnd, MAX_FAST_HEAD, readFastHead } from "./request-head.ts";
import { Tunnel, type TunnelClient } from "./tunnel.ts";

const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n");

/** Pipelined bytes waiting behind a busy exchange, before reading from the client pauses. */
const MAX_BUFFERED = 64 * 1024;

export class ClientConn implements ClientLink, TunnelClient {
  readonly ip: string;
  readonly trusted: boolean;
  #buf: Buffer | undefined;
  #busy: FastExchange | undefined;
  #tunnel: Tunnel | undefined;
  #gate: TunnelGate | undefined;
  readonly #deadline: ClientDeadline;
  #continued = false;
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
    this.#deadline = new ClientDeadline(ctx.deps.deadlines, ctx.clientTimeouts, (kind) => this.#refuse("client_timeout",
      kind === HEAD ? "408 Request Timeout: the request head took too long" : "408 Request Timeout: the request body stalled"));
  }

  /** Nothing in flight: safe to close (keep-alive timeout, shutdown). */
  get idle(): boolean {
    return !this.#busy && !this.#gate && this.#queue.length === 0;
  }

  onData(d: Buffer): void {
    if (this.#closeWhenFlushed) return; // after Connection: close nothing more is read (RFC 9112 9.6)
    if (this.#gate) return this.#feed(d);
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
      while (this.#buf && !this.#busy && !this.#gate && !this.#closeWhenFlushed && !this.#closed && this.#queue.length === 0) {
        const buf = this.#buf;
        const end = headEnd(buf);
        if (end === -1 && buf.byteLength <= MAX_FAST_HEAD) return this.#deadline.set(HEAD);
        if (end > MAX_FAST_HEAD || end < 0) return this.#toTunnel(); // the gate answers 400 or 431
        const started = performance.now();
        const head = end > 0 ? readFastHead(buf.toString("latin1", 0, end)) : undefined;
        const plan = head && !this.ctx.stopping ? this.ctx.plan(head) : undefined;
        if (!head || !plan) return this.#toTunnel();
        if (plan instanceof LocalAnswer) {
          // A body would have to be read past first: such requests stay the spine's.
          if (head.bodyLength > 0 || head.chunked) return this.#toTunnel();
          this.#buf = end < buf.byteLength ? buf.subarray(end) : undefined;
          if (this.#deadline.running) this.#deadline.set(NONE);
          this.send(plan.bytes);
          this.ctx.deps.access(localEntry(this.ip, head, plan, started));
          this.done(!head.close);
          continue;
        }
        const bodyEnd = head.bodyLength > 0 || head.chunked ? heldBodyEnd(head, buf, end, plan.route.maxBodySize) : end;
        if (bodyEnd === WAIT) {
          // RFC 9110 10.1.1: a client that asked waits for 100 before it sends the body.
          if (head.expectContinue && !this.#continued) {
            this.#continued = true;
            this.send(CONTINUE);
          }
          return this.#deadline.set(BODY);
        }
        this.#continued = false;
        if (bodyEnd === TUNNEL) return this.#toTunnel();
        this.#buf = bodyEnd < buf.byteLength ? buf.subarray(bodyEnd) : undefined;
        if (this.#deadline.running) this.#deadline.set(NONE);
        const body = bodyEnd > end ? buf.subarray(end, bodyEnd) : undefined;
        this.#busy = new FastExchange(this, head, plan.path, plan.canonical, plan.route, plan.pool, this.ctx.deps, started, body);
        this.#busy.start();
      }
    } finally {
      this.#looping = false;
      // Nothing in flight and nothing more will come: a half-closed client has all its answers.
      if (this.#readEnded && !this.#busy && !this.#gate && !this.#closeWhenFlushed && this.#queue.length === 0) this.#closeAfterFlush();
    }
  }

  #toTunnel(): void {
    const first = this.#buf!;
    this.#buf = undefined;
    this.sock.timeout(0); // the spine's server keeps its own idle timeout
    this.#gate = new TunnelGate((b) => {
      if (this.#tunnel) this.#tunnel.fromClient(b);
      else this.#tunnel = new Tunnel(this, this.ctx.registry, this.ctx.internalPort, b);
    });
    this.#feed(first);
  }

  #feed(d: Buffer): void {
    const gate = this.#gate!;
    try {
      gate.feed(d);
    } catch (e) {
      if (e instanceof BadHead) return this.#refuse(e.kind, e.message);
      throw e;
    }
    // The body is held until complete (tunnel-gate.ts): a client waiting for 100 gets it now.
    if (gate.wantsContinue && !this.#continued) {
      this.#continued = true;
      this.send(CONTINUE);
    }
    this.#deadline.set(gate.state === OPAQUE ? NONE : gate.state); // IN_HEAD/IN_BODY are HEAD/BODY
  }

  /**
   * 400, 408 or 431, then close. Once bytes went into the tunnel an answer from the spine may
   * be on its way, so the connection is cut instead of answered.
   */
  #refuse(kind: ProxyErrorKind, detail: string): void {
    this.#deadline.set(NONE);
    const status = errorBytes(kind, detail, true);
    this.ctx.deps.access(refusedEntry(this.ip, status.status));
    this.#buf = undefined;
    if (this.#tunnel) {
      this.#tunnel.clientClosed();
      return this.abort();
    }
    this.#gate = undefined;
    this.send(status.bytes);
    this.#closeAfterFlush();
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
    if (!this.#busy && !this.#gate) {
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
    if (this.#gate) return void this.sock.end();
    if (!this.#busy) this.#next();
  }

  onClose(): void {
    if (this.#closed && !this.#busy && !this.#tunnel) return;
    this.#closed = true;
    if (this.#deadline.running) this.#deadline.set(NONE);
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

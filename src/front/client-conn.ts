/**
 * One client connection on a plain listener. Each request head is offered to the fast lane
 * (request-head.ts decides what qualifies); the first one that does not qualify turns the
 * connection into a tunnel to the full spine for the rest of its life (tunnel.ts), every
 * byte of it checked on the way (tunnel-gate.ts). Responses leave in request order: a
 * pipelined request waits in the buffer until the one before is done. A client slower than
 * clientTimeouts with a head or a body gets 408 (NGINX client_header_timeout,
 * client_body_timeout), so a slowloris client is cut at the header deadline.
 */
import { errorBytes, type ProxyErrorKind } from "../proxy/errors.ts";
import { plainIp } from "../proxy/headers.ts";
import { BODY, ClientDeadline, HEAD, NONE } from "./client-deadline.ts";
import { LocalAnswer, localEntry } from "./local-answer.ts";
import { heldBodyEnd, TUNNEL, WAIT } from "./held-body.ts";
import { refusedEntry } from "./request-check.ts";
import { CONTINUE, SpineLink } from "./spine-link.ts";
import { FastExchange, type ClientLink } from "./fast-exchange.ts";
import type { FrontContext } from "./front-context.ts";
import { headEnd, MAX_FAST_HEAD, readFastHead } from "./request-head.ts";
import type { TunnelClient } from "./tunnel.ts";
import { WriteQueue } from "./write-queue.ts";
import type { ClientSocket } from "./client-socket.ts";

/** Pipelined bytes waiting behind a busy exchange, before reading from the client pauses. */
const MAX_BUFFERED = 64 * 1024;

export class ClientConn implements ClientLink, TunnelClient {
  readonly ip: string;
  readonly trusted: boolean;
  #buf: Buffer | undefined;
  #busy: FastExchange | undefined;
  #spine: SpineLink | undefined;
  /** An upgraded exchange: client bytes are its, as they come. */
  #raw: FastExchange | undefined;
  readonly #deadline: ClientDeadline;
  #continued = false;
  readonly #out: WriteQueue;
  #closeWhenFlushed = false;
  /** The client half-closed (FIN): answer what it sent, then close. */
  #readEnded = false;
  #closed = false;
  #paused = false;
  #looping = false;

  readonly sock: ClientSocket;
  readonly ctx: FrontContext;

  constructor(sock: ClientSocket, ctx: FrontContext) {
    this.sock = sock;
    this.ctx = ctx;
    this.#out = new WriteQueue(sock);
    this.ip = plainIp(sock.remoteAddress);
    this.trusted = ctx.deps.isTrustedProxy(this.ip);
    this.#deadline = new ClientDeadline(ctx.deps.deadlines, ctx.clientTimeouts, (kind) => this.#refuse("client_timeout",
      kind === HEAD ? "408 Request Timeout: the request head took too long" : "408 Request Timeout: the request body stalled"));
  }

  /** Nothing in flight: safe to close (keep-alive timeout, shutdown). */
  get idle(): boolean {
    return !this.#busy && !this.#spine && this.#out.empty;
  }

  onData(d: Buffer): void {
    if (this.#raw) return this.#raw.fromClient(d);
    if (this.#closeWhenFlushed) return; // after Connection: close nothing more is read (RFC 9112 9.6)
    if (this.#spine) return this.#feed(d);
    this.#buf = this.#buf ? Buffer.concat([this.#buf, d]) : d;
    if (this.#busy || !this.#out.empty) {
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
      while (this.#buf && !this.#busy && !this.#spine && !this.#closeWhenFlushed && !this.#closed && this.#out.empty) {
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
      if (this.#readEnded && !this.#busy && !this.#spine && !this.#closeWhenFlushed && this.#out.empty) this.#closeAfterFlush();
    }
  }

  #toTunnel(): void {
    const first = this.#buf!;
    this.#buf = undefined;
    this.sock.timeout(0); // the spine's server keeps its own idle timeout
    this.#spine = new SpineLink(this, this.ctx, this.#continued);
    this.#feed(first);
  }

  #feed(d: Buffer): void {
    const bad = this.#spine!.feed(d);
    if (bad) return this.#refuse(bad.kind, bad.message);
    this.#deadline.set(this.#spine!.deadline);
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
    if (this.#spine?.tunnel) {
      this.#spine.tunnel.clientClosed();
      return this.abort();
    }
    this.#spine = undefined;
    this.send(status.bytes);
    this.#closeAfterFlush();
  }

  send(bytes: Uint8Array): boolean {
    return this.#closed || this.#out.send(bytes);
  }

  onDrain(): void {
    if (!this.#out.flush()) return;
    if (this.#closeWhenFlushed) return void this.sock.end();
    this.#busy?.clientDrained();
    this.#spine?.tunnel?.clientDrained();
    if (!this.#busy && !this.#spine) {
      this.resumeReading();
      this.#next();
    }
  }

  upgraded(x: FastExchange): void {
    this.#raw = x;
    const early = this.#buf; // sent right after the handshake, before the 101
    this.#buf = undefined;
    this.resumeReading();
    if (early) x.fromClient(early);
  }

  done(keepAlive: boolean): void {
    this.#busy = undefined;
    this.#raw = undefined;
    if (!keepAlive || this.ctx.stopping) return this.#closeAfterFlush();
    if (!this.#out.empty) return; // onDrain goes on once the answers are out
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
    if (this.#out.empty) this.sock.end();
  }

  /**
   * The client sent FIN after its request (`allowHalfOpen`): it still gets the answers, as
   * NGINX and HAProxy answer a half-closed client. A tunnelled connection closes as before:
   * the spine's Bun.serve does not answer half-closed connections.
   */
  onEnd(): void {
    this.#readEnded = true;
    if (this.#busy?.h.upgrade) return this.#busy.clientEnded();
    if (this.#spine) return void this.sock.end();
    if (!this.#busy) this.#next();
  }

  onClose(): void {
    if (this.#closed && !this.#busy && !this.#spine) return;
    this.#closed = true;
    if (this.#deadline.running) this.#deadline.set(NONE);
    const busy = this.#busy;
    this.#busy = undefined;
    busy?.clientGone();
    this.#spine?.tunnel?.clientClosed();
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

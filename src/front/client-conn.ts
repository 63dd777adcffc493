/**
 * One client connection, plain or TLS (the socket under it is client-socket.ts; writing to it
 * and closing it, client-output.ts; reading its requests, request-intake.ts): the engine's
 * per-connection state machine. Here the connection is linked to the exchange in flight: a
 * streamed request body goes to it as it arrives, after a 101 the connection is bytes
 * (byte-tunnel.ts), and the end of each exchange lets the next pipelined request be read.
 */
import { BODY, NONE } from "./client-deadline.ts";
import type { StreamingExchange, UpgradedExchange } from "./exchange.ts";
import { RequestIntake } from "./request-intake.ts";

export class ClientConn extends RequestIntake {
  /** An upgraded exchange: client bytes are its, as they come. */
  #raw: UpgradedExchange | undefined;

  onData(d: Buffer): void {
    if (this.#raw) return this.#raw.fromClient(d);
    if (this.closeWhenFlushed) return this.lingerRead(); // after Connection: close nothing more is read (RFC 9112 9.6)
    if (this.bodyTo) return this.#toBody(d);
    this.take(d);
  }

  onDrain(): void {
    if (!this.flushed()) return;
    this.busy?.clientDrained();
    if (!this.busy) {
      this.resumeReading();
      this.next();
    }
  }

  upgraded(x: UpgradedExchange): void {
    this.#raw = x;
    const early = this.buf; // sent right after the handshake, before the 101
    this.buf = undefined;
    this.resumeReading();
    if (early) x.fromClient(early);
  }

  streamBody(x: StreamingExchange): void {
    this.bodyTo = x;
    const pending = this.buf;
    this.buf = undefined;
    this.resumeReading();
    if (pending) this.#toBody(pending);
    else this.deadline.set(BODY);
    // The client half-closed before its body was complete: it never will be.
    if (this.bodyTo && this.readEnded) this.#clientLeftMidBody();
  }

  /**
   * Reading paused while a streamed body waits on the member's socket (or on our answers going
   * out) is no wait of the client's: clientTimeouts.body runs only while we wait to read, as
   * NGINX arms client_body_timeout only then. The member's side has its own send timeout.
   */
  override pauseReading(): void {
    super.pauseReading();
    if (this.bodyTo && this.deadline.running) this.deadline.set(NONE);
  }

  override resumeReading(): void {
    super.resumeReading();
    if (this.bodyTo) this.deadline.set(BODY);
  }

  #toBody(d: Buffer): void {
    this.deadline.set(BODY); // pushed on by every read
    const rest = this.bodyTo!.requestData(d);
    if (rest) this.buf = this.buf ? Buffer.concat([this.buf, rest]) : rest;
  }

  bodyEnded(): void {
    this.bodyTo = undefined;
    if (this.deadline.running) this.deadline.set(NONE);
  }

  #clientLeftMidBody(): void {
    const busy = this.busy;
    this.busy = this.bodyTo = undefined;
    busy?.clientGone();
    this.abort();
  }

  done(keepAlive: boolean): void {
    this.busy = undefined;
    this.#raw = undefined;
    // The answer is out before the client's body is in (a member that answers early, a local
    // answer to a body it does not read): the client may be sending still.
    const unread = this.bodyTo !== undefined || this.discarding;
    if (this.bodyTo) this.bodyEnded();
    if (unread) return this.lingerAfterFlush();
    if (!keepAlive || this.ctx.stopping) return this.closeAfterFlush();
    if (!this.out.empty) return; // onDrain goes on once the answers are out
    this.resumeReading();
    this.next();
  }

  /**
   * The client sent FIN after its request (`allowHalfOpen`): it still gets the answers, as HAProxy
   * does by default (no `option abortonclose`); a `curl -T - <file` style client shuts its write side
   * and waits. NGINX instead ends the try with 499 unless proxy_ignore_client_abort is on.
   */
  onEnd(): void {
    this.readEnded = true;
    if (this.lingerSince !== undefined) return this.sock.end(); // the client has stopped sending: done lingering
    if (this.busy?.h.upgrade) return this.busy.clientEnded();
    if (this.bodyTo) return this.#clientLeftMidBody();
    if (!this.busy) this.next();
  }

  onClose(): void {
    if (this.closed && !this.busy) return;
    this.closed = true;
    if (this.deadline.running) this.deadline.set(NONE);
    const busy = this.busy;
    this.busy = this.bodyTo = undefined;
    busy?.clientGone();
  }

  /**
   * Keep-alive timeout (NGINX keepalive_timeout): a connection idle that long is closed; a busy
   * one is left to the member's deadlines, one with a request begun to clientTimeouts. Bun's
   * socket timeout counts from when it was set, not from the last read or write (Bun 1.4.5,
   * measured: set to 3 s, it fired at 4 s on a connection echoing every 500 ms), so the idle
   * time is ours: when it is short, the timer is set again for what is left, and a client
   * sending a request every second is never cut.
   */
  onTimeout(): void {
    // Lingering ran out (LINGER_SEC without a byte): closed, whatever the client still sends.
    if (this.lingerSince !== undefined) return this.sock.terminate();
    const fullMs = this.ctx.idleTimeoutSec * 1000;
    // A request begun (part of a head in) is the header deadline's, as NGINX switches from
    // keepalive_timeout to client_header_timeout at a request's first byte: 408, not a bare FIN.
    const waiting = this.idle && !this.deadline.running;
    const leftMs = waiting ? fullMs - (this.ctx.deps.deadlines.now() - this.activeAt) : fullMs;
    if (leftMs <= 0) this.sock.end();
    else this.sock.timeout(Math.ceil(leftMs / 1000));
  }

  /** Shutdown: close now if idle, else after the exchange in flight. */
  stop(): void {
    if (this.idle) this.sock.end();
  }
}

import type { ConnectOptions, UpstreamRequest } from "./client.ts";
import { UpstreamError } from "./errors.ts";
import { buildRequestHead, CHUNKED, NO_BODY, type RequestHead } from "./request-head.ts";
import { BodyPump } from "./body-pump.ts";
import { M_EOF, P_BODY, P_DONE, P_HEAD, P_IDLE, ResponseReader } from "./response-reader.ts";
import { mayReplay } from "./replay-policy.ts";
import type { AbortLike } from "../proxy/cancel.ts";

/** Pool callbacks: the connection reports when it can be reused or is gone. */
export interface ConnectionOwner {
  release(conn: UpstreamConnection): void;
  /** Replays a request on a fresh connection (the keep-alive race). */
  retry(req: UpstreamRequest, opts: ConnectOptions): Promise<Response>;
  forget(conn: UpstreamConnection): void;
}

/**
 * One keep-alive TCP connection to an upstream, carrying one exchange at a time (no
 * pipelining): this class sends the request and ends the exchange; ResponseReader reads
 * the response. Exchange state lives in fields reset per request, and `seq` guards
 * callbacks (stream pull/cancel, abort, body pump) that outlive their exchange.
 */
export class UpstreamConnection extends ResponseReader {
  readonly owner: ConnectionOwner;
  /** In the owner's idle list. */
  idle = false;
  idleSince = 0;

  private reject: ((err: unknown) => void) | null = null;
  private req: UpstreamRequest | null = null;
  private opts: ConnectOptions | null = null;
  private reused = false;
  private reqDone = false;
  private signal: AbortLike | null = null;
  private pump: BodyPump | null = null;
  private readonly onAbort = (): void => this.fail(this.signal?.reason);

  constructor(owner: ConnectionOwner) {
    super();
    this.owner = owner;
  }

  /**
   * Sends `req` and resolves at the final response head. `reused` marks a pooled
   * socket: if it turns out the server had closed it, the request is replayed
   * through owner.retry (see failConnReset).
   */
  send(req: UpstreamRequest, opts: ConnectOptions, reused: boolean): Promise<Response> {
    const socket = this.socket!;
    let head: RequestHead;
    try {
      head = buildRequestHead(req.method, req.target, req.headers, req.body !== null);
    } catch (err) {
      this.owner.release(this);
      return Promise.reject(err);
    }
    this.seq++;
    this.phase = P_HEAD;
    this.req = req;
    this.opts = opts;
    this.reused = reused;
    this.isHead = req.method === "HEAD";
    this.gotBytes = false;
    this.reqDone = head.bodyLength === NO_BODY;
    this.keepAlive = false;
    const promise = new Promise<Response>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (req.signal !== undefined) {
      this.signal = req.signal;
      req.signal.addEventListener("abort", this.onAbort);
    }
    const bytes = head.bytes;
    const n = socket.write(bytes);
    if (n < 0) {
      // The peer already closed this (reused) socket.
      this.failConnReset("socket closed before the request was written", undefined, true);
      return promise;
    }
    if (n < bytes.length || req.body !== null) {
      const pump = (this.pump = new BodyPump(socket, this.seq, this));
      if (n < bytes.length) pump.keepUnwritten(bytes, n);
      if (req.body !== null) void pump.run(req.body, head.bodyLength === CHUNKED ? -1 : head.bodyLength);
    }
    return promise;
  }

  /** Called by the pump when the whole request body is on the wire. */
  requestSent(seq: number): void {
    if (seq !== this.seq) return;
    this.reqDone = true;
    this.pump = null;
    if (this.phase === P_DONE) this.finish();
  }

  /** Called by the pump when the request body stream or its framing failed. */
  requestFailed(seq: number, err: unknown): void {
    if (seq === this.seq && !this.closed) this.fail(err);
  }

  onDrain(): void {
    this.pump?.drain();
  }

  onClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idle) this.owner.forget(this);
    if (this.phase === P_HEAD) {
      this.failConnReset(this.gotBytes ? "upstream closed before the response head was complete" : "upstream closed before responding", error);
    } else if (this.phase === P_BODY) {
      if (this.mode === M_EOF && error === undefined) {
        // RFC 9112 §6.3 (8): without framing, the close itself ends the body.
        this.phase = P_DONE;
        this.source!.controller!.close();
        this.cleanup();
      } else {
        this.fail(new UpstreamError("ETRUNCATED", "upstream closed before the response body was complete", { cause: error }));
      }
    } else {
      this.cleanup();
    }
  }

  /** Closes the socket gracefully (idle pool eviction). */
  end(): void {
    this.closed = true;
    this.socket?.end();
  }

  override destroy(): void {
    if (!this.closed) this.socket?.terminate();
  }

  protected override responseDone(): void {
    this.phase = P_DONE;
    this.source = null;
    this.decoder = null;
    if (this.reqDone) this.finish();
  }

  /** Both directions complete: hand the socket back or close it. */
  private finish(): void {
    this.cleanup();
    this.phase = P_IDLE;
    if (this.paused) {
      this.paused = false;
      this.socket!.resume();
    }
    if (this.keepAlive && !this.closed) this.owner.release(this);
    else this.destroy();
  }

  /** `unsent`: not one byte of the request was written, so any method may be replayed. */
  private failConnReset(msg: string, cause?: Error, unsent = false): void {
    const req = this.req;
    // A pooled socket that died before any reply: the keep-alive race (see mayReplay).
    if (this.reused && !this.gotBytes && req !== null && this.phase === P_HEAD && mayReplay(req, unsent)) {
      const resolve = this.resolve!;
      const opts = this.opts!;
      this.phase = P_DONE;
      this.cleanup();
      this.destroy();
      resolve(this.owner.retry(req, opts));
      return;
    }
    this.fail(new UpstreamError("ECONNRESET", msg, { cause }));
  }

  /** Ends the exchange with `err`: the caller's promise or the body stream sees it. */
  protected override fail(err: unknown): void {
    const phase = this.phase;
    this.phase = P_DONE;
    this.keepAlive = false;
    if (phase === P_HEAD) this.reject?.(err);
    else if (phase === P_BODY) this.source?.controller?.error(err);
    this.cleanup(err);
    this.destroy();
  }

  /** Drops per-exchange state; an upload still running is stopped with `reason`. */
  private cleanup(reason?: unknown): void {
    const pump = this.pump;
    this.pump = null;
    pump?.abort(reason);
    this.req = null;
    this.opts = null;
    this.resolve = null;
    this.reject = null;
    this.source = null;
    this.decoder = null;
    this.pending = null;
    if (this.signal !== null) {
      this.signal.removeEventListener("abort", this.onAbort);
      this.signal = null;
    }
  }
}

import type { Socket } from "bun";
import type { ConnectOptions, UpstreamRequest } from "./client.ts";
import { ChunkedDecoder } from "./chunked-decoder.ts";
import { UpstreamError } from "./errors.ts";
import { BODY_STRATEGY, ResponseBodySource, type BodyFeeder } from "./response-body.ts";
import { findHeadEnd, parseResponseHead, type ResponseHead } from "./response-head.ts";
import { buildRequestHead, CHUNKED, NO_BODY, type RequestHead } from "./request-head.ts";
import { BodyPump } from "./body-pump.ts";
import { makeResponse } from "./make-response.ts";
import type { AbortLike } from "../proxy/cancel.ts";

/** Pool callbacks: the connection reports when it can be reused or is gone. */
export interface ConnectionOwner {
  release(conn: UpstreamConnection): void;
  /** Replays a request on a fresh connection (the keep-alive race). */
  retry(req: UpstreamRequest, opts: ConnectOptions): Promise<Response>;
  forget(conn: UpstreamConnection): void;
}

/** A response head larger than this is refused (Bun.serve's own default limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;

const P_IDLE = 0;
const P_HEAD = 1;
const P_BODY = 2;
const P_DONE = 3;

/**
 * RFC 9110 9.2.2: methods whose repetition has the same effect as one request. Only these are
 * replayed after the keep-alive race: the server may have acted on a request it never answered
 * (Go's net/http transport makes the same choice).
 */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

const M_LENGTH = 1;
const M_CHUNKED = 2;
const M_EOF = 3;

/**
 * One keep-alive TCP connection to an upstream, carrying one exchange at a
 * time (no pipelining). Exchange state lives in fields reset per request, and
 * `seq` guards callbacks (stream pull/cancel, abort, body pump) that outlive
 * their exchange.
 */
export class UpstreamConnection implements BodyFeeder {
  socket: Socket<UpstreamConnection> | null = null;
  readonly owner: ConnectionOwner;
  closed = false;
  /** In the owner's idle list. */
  idle = false;
  idleSince = 0;

  private seq = 0;
  private phase = P_IDLE;
  private resolve: ((res: Response | PromiseLike<Response>) => void) | null = null;
  private reject: ((err: unknown) => void) | null = null;
  private req: UpstreamRequest | null = null;
  private opts: ConnectOptions | null = null;
  private reused = false;
  private isHead = false;
  private gotBytes = false;
  private pending: Buffer | null = null;
  private mode = 0;
  private remaining = 0;
  private decoder: ChunkedDecoder | null = null;
  private source: ResponseBodySource | null = null;
  private keepAlive = false;
  private reqDone = false;
  private paused = false;
  private signal: AbortLike | null = null;
  private pump: BodyPump | null = null;
  private readonly onAbort = (): void => this.fail(this.signal?.reason);
  private readonly enqueue = (bytes: Uint8Array): void => this.push(bytes);

  constructor(owner: ConnectionOwner) {
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

  onData(chunk: Buffer): void {
    if (this.phase === P_BODY) this.onBody(chunk, 0);
    else if (this.phase === P_HEAD) this.onHead(chunk);
    // Bytes while idle or after a complete response: framing is lost (RFC 9112 §9.3).
    else this.destroy();
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

  resumeBody(seq: number): void {
    if (seq === this.seq && this.paused && !this.closed) {
      this.paused = false;
      this.socket!.resume();
    }
  }

  cancelBody(seq: number, reason: unknown): void {
    if (seq === this.seq && this.phase === P_BODY) this.fail(reason);
  }

  /** Closes the socket gracefully (idle pool eviction). */
  end(): void {
    this.closed = true;
    this.socket?.end();
  }

  destroy(): void {
    if (!this.closed) this.socket?.terminate();
  }

  private onHead(chunk: Buffer): void {
    this.gotBytes = true;
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    let start = 0;
    for (;;) {
      const end = findHeadEnd(buf, start);
      if (end === -1) {
        if (buf.length - start > MAX_HEAD_BYTES) this.fail(new UpstreamError("EMALFORMED", "upstream response head too large"));
        else this.pending = start === 0 ? buf : buf.subarray(start);
        return;
      }
      let head: ResponseHead;
      try {
        head = parseResponseHead(buf, start, end);
      } catch (err) {
        this.fail(err);
        return;
      }
      start = end;
      // RFC 9110 §15.2: interim 1xx responses precede the final one; drop them.
      // 101 is final here: the connection then speaks another protocol (not reused).
      if (head.status < 200 && head.status !== 101) continue;
      this.pending = null;
      this.onFinalHead(head, buf, start);
      return;
    }
  }

  private onFinalHead(head: ResponseHead, buf: Buffer, offset: number): void {
    const status = head.status;
    // RFC 9112 §6.3: the order of these checks is the order of the spec's rules.
    let mode = 0;
    if (this.isHead || status === 204 || status === 304 || status < 200) mode = 0;
    else if (head.hasTransferEncoding) mode = head.chunked ? M_CHUNKED : M_EOF;
    else if (head.contentLength >= 0) mode = M_LENGTH;
    else mode = M_EOF;
    this.mode = mode;
    // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    this.keepAlive =
      mode !== M_EOF && status !== 101 && !head.connectionClose && (head.minorVersion >= 1 || head.connectionKeepAlive);
    const avail = buf.length - offset;
    const resolve = this.resolve!;

    if (mode === 0 || (mode === M_LENGTH && avail >= head.contentLength)) {
      // Fast path: the whole body is here (or there is none): no stream needed.
      const len = mode === 0 ? 0 : head.contentLength;
      if (avail > len) this.keepAlive = false;
      resolve(makeResponse(head, len === 0 ? null : buf.subarray(offset, offset + len)));
      this.responseDone();
      return;
    }
    let parts: Uint8Array[] | null = null;
    let rest = offset;
    if (mode === M_CHUNKED) {
      const decoder = (this.decoder = new ChunkedDecoder());
      parts = [];
      const collect = parts;
      let end: number;
      try {
        end = decoder.feed(buf, offset, (b) => collect.push(b));
      } catch (err) {
        this.fail(err);
        return;
      }
      if (end !== -1) {
        if (end < buf.length) this.keepAlive = false;
        resolve(makeResponse(head, parts.length === 0 ? null : parts.length === 1 ? parts[0]! : Buffer.concat(parts)));
        this.responseDone();
        return;
      }
      rest = buf.length;
    } else if (mode === M_LENGTH) {
      this.remaining = head.contentLength;
    }
    this.phase = P_BODY;
    const source = (this.source = new ResponseBodySource(this, this.seq));
    const stream = new ReadableStream<Uint8Array>(source, BODY_STRATEGY);
    if (parts !== null) for (const p of parts) this.push(p);
    resolve(makeResponse(head, stream));
    if (rest < buf.length) this.onBody(buf, rest);
  }

  private onBody(buf: Buffer, offset: number): void {
    const mode = this.mode;
    if (mode === M_LENGTH) {
      const avail = buf.length - offset;
      const take = avail < this.remaining ? avail : this.remaining;
      if (take > 0) this.push(offset === 0 && take === buf.length ? buf : buf.subarray(offset, offset + take));
      this.remaining -= take;
      if (this.remaining === 0) {
        if (avail > take) this.keepAlive = false;
        this.source!.controller!.close();
        this.responseDone();
      }
    } else if (mode === M_CHUNKED) {
      let end: number;
      try {
        end = this.decoder!.feed(buf, offset, this.enqueue);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (end !== -1) {
        if (end < buf.length) this.keepAlive = false;
        this.source!.controller!.close();
        this.responseDone();
      }
    } else {
      this.push(offset === 0 ? buf : buf.subarray(offset));
    }
  }

  private push(bytes: Uint8Array): void {
    const controller = this.source!.controller!;
    controller.enqueue(bytes);
    const desired = controller.desiredSize;
    if (desired !== null && desired <= 0 && !this.paused) {
      this.paused = true;
      this.socket!.pause();
    }
  }

  private responseDone(): void {
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
    // The keep-alive race (RFC 9112 §9.3.1): a pooled socket the server closed just as
    // we reused it. Nothing came back and no body was consumed, but the server may still
    // have received and acted on the request, so only an idempotent one is replayed once
    // on a fresh connection, transparently (RFC 9112 §9.3.1.1, RFC 9110 §9.2.2).
    if (this.reused && !this.gotBytes && req !== null && req.body === null && (unsent || IDEMPOTENT.has(req.method)) && this.phase === P_HEAD && !req.signal?.aborted) {
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
  private fail(err: unknown): void {
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

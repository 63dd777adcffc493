import type { Socket } from "bun";
import { ChunkedDecoder } from "./chunked-decoder.ts";
import { UpstreamError } from "./errors.ts";
import { BODY_STRATEGY, ResponseBodySource, type BodyFeeder } from "./response-body.ts";
import { findHeadEnd, parseResponseHead, type ResponseHead } from "./response-head.ts";
import { makeResponse } from "./make-response.ts";

/** A response head larger than this is refused (Bun.serve's own default limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;

/** Exchange phases, shared with the connection that drives the request side. */
export const P_IDLE = 0;
export const P_HEAD = 1;
export const P_BODY = 2;
export const P_DONE = 3;

/** How the response body is delimited (RFC 9112 §6.3); 0 means no body. */
const M_LENGTH = 1;
const M_CHUNKED = 2;
export const M_EOF = 3;

/**
 * The response half of an upstream connection: reads the head off the socket,
 * resolves the caller's promise with a Response, then feeds the body stream
 * with socket backpressure. It is a base class rather than a helper object so
 * that each connection stays one allocation on the hot path; UpstreamConnection
 * adds the request side and decides what happens when an exchange ends.
 */
export abstract class ResponseReader implements BodyFeeder {
  socket: Socket<unknown> | null = null;
  closed = false;

  /** Current exchange: callbacks carrying an older `seq` are stale. */
  protected seq = 0;
  protected phase = P_IDLE;
  /** Settles the caller's promise at the final head (set by send). */
  protected resolve: ((res: Response | PromiseLike<Response>) => void) | null = null;
  protected isHead = false;
  protected gotBytes = false;
  /** Set when the response is framed so the socket can carry another exchange. */
  protected keepAlive = false;
  protected paused = false;
  protected pending: Buffer | null = null;
  protected mode = 0;
  protected source: ResponseBodySource | null = null;
  protected decoder: ChunkedDecoder | null = null;
  private remaining = 0;
  private readonly enqueue = (bytes: Uint8Array): void => this.push(bytes);

  abstract destroy(): void;
  /** Ends the exchange with `err`. */
  protected abstract fail(err: unknown): void;
  /** The whole response has been read (phase is still P_HEAD or P_BODY). */
  protected abstract responseDone(): void;

  onData(chunk: Buffer): void {
    if (this.phase === P_BODY) this.onBody(chunk, 0);
    else if (this.phase === P_HEAD) this.onHead(chunk);
    // Bytes while idle or after a complete response: framing is lost (RFC 9112 §9.3).
    else this.destroy();
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
}

/**
 * Every byte a client sends into the tunnel passes here first: each request head is checked
 * strictly (request-check.ts) and each body is framed (Content-Length, or chunked through
 * chunk-scan.ts), so the next head is found where a member would find it and checked too.
 * Nothing refused reaches the spine. After an Upgrade request the bytes are no longer HTTP
 * and pass as they are.
 *
 * The first request's body, up to HOLD_MAX bytes, is held until complete and only then
 * forwarded (NGINX reads a request body before it chooses an upstream), so a slow uploader
 * holds no member connection.
 */
import { ChunkScan } from "./chunk-scan.ts";
import { BadHead, CHUNKED, checkHead, LENGTH } from "./request-check.ts";
import { headEnd } from "./request-head.ts";

export const HOLD_MAX = 64 * 1024;
/** Largest request head read; a longer one is answered 431 (NGINX large_client_header_buffers). */
export const MAX_HEAD = 64 * 1024;

/** What the gate waits for, so the connection can run the client deadline that applies. */
export const AT_REST = 0, IN_HEAD = 1, IN_BODY = 2, OPAQUE = 3;

export class HeadTooLarge extends BadHead {
  constructor() {
    super("431 Request Header Fields Too Large", "head_too_large");
  }
}

export class TunnelGate {
  #buf: Buffer | undefined;
  #left = 0;
  #chunks: ChunkScan | undefined;
  #opaqueAfterBody = false;
  #opaque = false;
  #held: Uint8Array[] | undefined;
  #heldBytes = 0;
  /** Requests whose head went on: after the first, answers may be in flight on the tunnel. */
  forwarded = 0;
  /** The request being held asked `Expect: 100-continue`: the caller answers 100 itself. */
  wantsContinue = false;

  readonly out: (bytes: Uint8Array) => void;

  constructor(out: (bytes: Uint8Array) => void) {
    this.out = out;
  }

  get state(): number {
    if (this.#opaque) return OPAQUE;
    if (this.#left > 0 || this.#chunks) return IN_BODY;
    return this.#buf ? IN_HEAD : AT_REST;
  }

  /** Throws BadHead (400, or 431 as HeadTooLarge); the bytes before the fault went on already. */
  feed(d: Buffer): void {
    if (this.#opaque) return this.out(d);
    let buf = this.#buf ? Buffer.concat([this.#buf, d]) : d;
    this.#buf = undefined;
    let at = 0;
    while (at < buf.byteLength) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, buf.byteLength - at);
        this.#left -= n;
        this.#emit(buf.subarray(at, at + n));
        at += n;
        if (this.#left === 0) this.#bodyDone();
        continue;
      }
      if (this.#chunks) {
        const end = this.#chunks.scan(buf, at);
        this.#emit(buf.subarray(at, end < 0 ? buf.byteLength : end));
        if (end < 0) return;
        at = end;
        this.#chunks = undefined;
        this.#bodyDone();
        continue;
      }
      if (this.#opaque) return this.out(buf.subarray(at));
      const rest = at === 0 ? buf : buf.subarray(at);
      const end = headEnd(rest);
      if (end === -2) throw new BadHead("400 Bad Request: a line ends in a bare LF");
      if (end === -1) {
        if (rest.byteLength > MAX_HEAD) throw new HeadTooLarge();
        this.#buf = Buffer.from(rest); // a copy: the socket's buffer is reused
        return;
      }
      if (end > MAX_HEAD) throw new HeadTooLarge();
      const h = checkHead(rest.toString("latin1", 0, end), rest.subarray(0, end));
      // The spine's server drops a GET or HEAD body; forwarded without it, the body would be
      // read by the member as the next request. Only the fast lane forwards such bodies.
      if (h.framing !== 0 && (h.method === "GET" || h.method === "HEAD")) throw new BadHead("400 Bad Request: a GET or HEAD body is not accepted here");
      const first = this.forwarded === 0;
      this.forwarded++;
      if (h.framing === LENGTH) this.#left = h.length;
      else if (h.framing === CHUNKED) this.#chunks = new ChunkScan();
      const hasBody = h.framing !== 0;
      if (first && hasBody && (h.framing === CHUNKED || h.length <= HOLD_MAX)) {
        this.#held = [Buffer.from(h.bytes)];
        this.#heldBytes = h.bytes.byteLength;
        this.wantsContinue = h.expectContinue;
      } else this.out(h.bytes);
      at += end;
      if (h.upgrade) {
        if (hasBody) this.#opaqueAfterBody = true;
        else this.#opaque = true;
      }
    }
  }

  #emit(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    if (!this.#held) return this.out(bytes);
    this.#held.push(Buffer.from(bytes));
    this.#heldBytes += bytes.byteLength;
    if (this.#heldBytes > HOLD_MAX + 16 * 1024) this.#release(); // a long chunked body streams from here
  }

  #bodyDone(): void {
    this.#release();
    if (this.#opaqueAfterBody) this.#opaque = true;
  }

  #release(): void {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    this.wantsContinue = false;
    this.out(held.length === 1 ? held[0]! : Buffer.concat(held));
  }
}

/**
 * A request body the engine reads whole before it chooses a member, as NGINX reads a body
 * before it connects upstream: up to HOLD_MAX bytes, so a slow uploader holds no member
 * connection and the request can be tried again on another member. A larger body streams
 * (request-body.ts); one over the route's maxBodySize is answered 413 before any member.
 */
import { ChunkScan, NO_TRAILERS } from "./chunk-scan.ts";
import { BadHead } from "./request-check.ts";
import type { FastHead } from "./fast-head.ts";

export const HOLD_MAX = 64 * 1024;

/** The body is not all here yet. */
export const WAIT = -1;
/** Too large to hold: it streams. */
export const STREAM = -2;

/** The 413 for a body past the route's maxBodySize, refused like any bad request. */
export const tooLarge = (max: number) => new BadHead(`413 Content Too Large: the body exceeds ${max} bytes`, "too_large");

/**
 * Offset just past the body that starts at `start`, or WAIT / STREAM. Throws BadHead for bad
 * chunking or past maxBodySize. `chunks`: the scanner to use, for where the trailers begin.
 */
export function heldBodyEnd(h: FastHead, buf: Uint8Array, start: number, maxBodySize: number | undefined, chunks?: ChunkScan): number {
  if (!h.chunked) {
    if (maxBodySize !== undefined && h.bodyLength > maxBodySize) throw tooLarge(maxBodySize);
    if (h.bodyLength > HOLD_MAX) return STREAM;
    return buf.byteLength - start >= h.bodyLength ? start + h.bodyLength : WAIT;
  }
  const scan = chunks ?? new ChunkScan();
  const end = scan.scan(buf, start);
  if (maxBodySize !== undefined && scan.payload > maxBodySize) throw tooLarge(maxBodySize);
  if (end < 0) return buf.byteLength - start > HOLD_MAX ? STREAM : WAIT;
  return end;
}

/**
 * The buffer that holds the body read at buf[start, end) (its trailers, from trailersAt, left
 * out): `buf` itself when the body ends it and `buf` is a read buffer of its own (byteOffset 0: Bun's read buffers and Buffer.concat's are;
 * the views the engine keeps start past a head), else a copy. The body is then buf[start, end)
 * of what is returned (start, or 0 for a copy).
 *
 * Never a subarray: a live view of a read buffer makes JSC keep an opaque root for it, and each
 * eden collection walks them: with POSTs in flight the pauses were 2.5x GET's (BUN_JSC_logGC,
 * Bun 1.4.5) and so was the p99. Holding the whole read buffer costs neither that nor the
 * copy (an allocUnsafe and copy of 1 KiB is ~0.34 us, 1.8% of a POST's CPU in a profile).
 */
export function heldBody(buf: Buffer, start: number, end: number, trailersAt = -1): Buffer {
  // A chunked body's trailer lines stay behind (chunk-scan.ts).
  if (trailersAt >= 0 && trailersAt < end - 2) return Buffer.concat([buf.subarray(start, trailersAt), NO_TRAILERS]);
  if (end === buf.byteLength && buf.byteOffset === 0) return buf;
  const body = Buffer.allocUnsafe(end - start);
  buf.copy(body, 0, start, end);
  return body;
}

/**
 * A held body still arriving. What comes after the read that found the head is counted (and,
 * chunked, scanned on) here, so a body sent a byte at a time costs each byte once: reading the
 * head again, concatenating and scanning the body from its start on every read made one slow
 * client cost 250-300 us of CPU a packet (NGINX: ~17 us). Once the body may be complete (or is
 * past HOLD_MAX or maxBodySize, or malformed) the intake reads it all once, as before.
 */
export class HeldWait {
  /** The reads taken since the head's (tests look). */
  readonly parts: Buffer[] = [];
  #have: number;
  readonly #length: number;
  readonly #scan: ChunkScan | undefined;
  readonly #max: number | undefined;

  /** `have`: body bytes already read; `scan`: the scanner that read them (chunked). */
  constructor(h: FastHead, have: number, scan: ChunkScan | undefined, maxBodySize: number | undefined) {
    this.#length = h.chunked ? -1 : h.bodyLength;
    this.#have = have;
    this.#scan = scan;
    this.#max = maxBodySize;
  }

  /** `buf` (the read that found the head, and what came with it) and every read taken since, as one. */
  after(buf: Buffer): Buffer {
    return Buffer.concat([buf, ...this.parts]);
  }

  /** Takes `d`; true while the body is surely not all here yet, false when the intake must look. */
  more(d: Buffer): boolean {
    this.parts.push(d);
    this.#have += d.byteLength;
    if (this.#have > HOLD_MAX) return false;
    if (!this.#scan) return this.#have < this.#length;
    try {
      if (this.#scan.scan(d, 0) >= 0) return false;
    } catch {
      return false; // the intake's own read refuses it, naming why
    }
    return this.#max === undefined || this.#scan.payload <= this.#max;
  }
}

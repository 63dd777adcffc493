/**
 * A request body too large to hold (held-body.ts) on its way to the member as it arrives:
 * where it ends in each client read (Content-Length, or chunked through chunk-scan.ts, the
 * bytes passed as received but for the trailers), and the route's maxBodySize. What follows the body in a read is
 * the next pipelined request, handed back to the connection.
 */
import { ChunkScan, NO_TRAILERS } from "./chunk-scan.ts";
import { tooLarge } from "./held-body.ts";
import type { FastHead } from "./fast-head.ts";

export class RequestBody {
  /** Content-Length bytes still to come (chunked: unused). */
  #left: number;
  readonly #scan: ChunkScan | undefined;
  readonly max: number | undefined;
  /** Bytes of the body (as framed by the client) taken so far. */
  bytes = 0;
  done = false;
  /** Of the last take: where the bytes to send the member end (a chunked body's trailers stay behind). */
  sendEnd = 0;
  /** Sent after the last chunk in place of the trailer section: its closing CRLF (chunk-scan.ts). */
  readonly tail: Uint8Array | undefined;

  constructor(h: FastHead, max: number | undefined) {
    this.#left = h.chunked ? 0 : h.bodyLength;
    this.#scan = h.chunked ? new ChunkScan() : undefined;
    this.tail = h.chunked ? NO_TRAILERS : undefined;
    this.max = max;
  }

  /**
   * The end of the body's part of buf[from..] (buf.byteLength when all of it is body). Throws
   * BadHead for malformed chunking or past maxBodySize (413).
   */
  take(buf: Uint8Array, from: number): number {
    let end: number;
    if (this.#scan) {
      const at = this.#scan.scan(buf, from);
      if (this.max !== undefined && this.#scan.payload > this.max) throw tooLarge(this.max);
      end = at < 0 ? buf.byteLength : at;
      this.done = at >= 0;
      this.sendEnd = this.#scan.cut >= 0 ? this.#scan.cut : end;
    } else {
      end = Math.min(buf.byteLength, from + this.#left);
      this.#left -= end - from;
      this.done = this.#left === 0;
      this.sendEnd = end;
    }
    this.bytes += end - from;
    return end;
  }
}

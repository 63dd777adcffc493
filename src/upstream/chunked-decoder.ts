import { UpstreamError } from "./errors.ts";

/**
 * Incremental decoder for the chunked transfer coding (RFC 9112 §7.1).
 * Chunk extensions are skipped (§7.1.1: recipients ignore unknown ones) and
 * trailer fields are read and dropped (§7.1.2: a Response cannot carry them).
 */

const S_SIZE = 0;
const S_EXT = 1;
const S_SIZE_LF = 2;
const S_DATA = 3;
const S_DATA_CR = 4;
const S_DATA_LF = 5;
const S_TRAILER_START = 6;
const S_TRAILER_LINE = 7;
const S_TRAILER_END_LF = 8;
const S_DONE = 9;

/** 13 hex digits = 2^52: keeps sizes exact as JS numbers. */
const MAX_SIZE_DIGITS = 13;

function bad(msg: string): UpstreamError {
  return new UpstreamError("EMALFORMED", `malformed chunked body: ${msg}`);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

export class ChunkedDecoder {
  private state = S_SIZE;
  private size = 0;
  private digits = 0;
  private remaining = 0;

  get done(): boolean {
    return this.state === S_DONE;
  }

  /**
   * Consumes buf[start..]. Calls onData with zero-copy views of chunk data.
   * Returns the offset just past the end of the message when it completes,
   * or -1 if more bytes are needed. Throws UpstreamError EMALFORMED.
   */
  feed(buf: Uint8Array, start: number, onData: (bytes: Uint8Array) => void): number {
    const len = buf.length;
    let i = start;
    while (i < len) {
      const state = this.state;
      if (state === S_DATA) {
        const take = Math.min(this.remaining, len - i);
        onData(buf.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = S_DATA_CR;
        continue;
      }
      const c = buf[i++]!;
      switch (state) {
        case S_SIZE: {
          const h = hexValue(c);
          if (h !== -1) {
            if (++this.digits > MAX_SIZE_DIGITS) throw bad("chunk size too large");
            this.size = this.size * 16 + h;
          } else if (this.digits === 0) {
            throw bad("missing chunk size");
          } else if (c === 59 /* ; */ || c === 32 || c === 9) {
            this.state = S_EXT;
          } else if (c === 13) {
            this.state = S_SIZE_LF;
          } else if (c === 10) {
            this.endSizeLine();
          } else {
            throw bad("invalid chunk size");
          }
          break;
        }
        case S_EXT:
          if (c === 10) this.endSizeLine();
          break;
        case S_SIZE_LF:
          if (c !== 10) throw bad("CR without LF after chunk size");
          this.endSizeLine();
          break;
        case S_DATA_CR:
          if (c === 13) this.state = S_DATA_LF;
          else if (c === 10) this.state = S_SIZE;
          else throw bad("missing CRLF after chunk data");
          break;
        case S_DATA_LF:
          if (c !== 10) throw bad("missing LF after chunk data");
          this.state = S_SIZE;
          break;
        case S_TRAILER_START:
          if (c === 13) this.state = S_TRAILER_END_LF;
          else if (c === 10) {
            this.state = S_DONE;
            return i;
          } else this.state = S_TRAILER_LINE;
          break;
        case S_TRAILER_LINE:
          if (c === 10) this.state = S_TRAILER_START;
          break;
        case S_TRAILER_END_LF:
          if (c !== 10) throw bad("CR without LF ending trailers");
          this.state = S_DONE;
          return i;
        default:
          throw bad("data after the last chunk");
      }
    }
    return -1;
  }

  private endSizeLine(): void {
    if (this.size === 0) {
      this.state = S_TRAILER_START;
    } else {
      this.remaining = this.size;
      this.state = S_DATA;
    }
    this.size = 0;
    this.digits = 0;
  }
}

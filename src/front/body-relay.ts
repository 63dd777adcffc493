/**
 * Where a relayed response body ends, and what of each upstream read the client gets. A body
 * with a length passes through as it came (a range of the read, no copy); a chunked body is
 * decoded and framed again, so the client only ever sees clean CRLF framing without
 * extensions or trailers (the upstream's own may be lenient: RFC 9112 7.1 lets us accept
 * bare LF, not pass it on). An HTTP/1.0 client has no chunked coding (RFC 9112 6.1): for it the
 * body is decoded and sent as it is, and closing the connection ends it.
 */
import { ChunkedDecoder } from "../upstream/chunked-decoder.ts";
import type { ClientHead } from "./response-head.ts";

export const CHUNKED = -2;
export const UNTIL_CLOSE = -1;

const LAST_CHUNK = Buffer.from("0\r\n\r\n");
const CRLF = Buffer.from("\r\n");

/** After take(): the client's share is `framed` when set, else buf[from, end). */
export class BodyRelay {
  /** Body bytes so far (decoded, for chunked): the access log's %b. */
  bytes = 0;
  end = 0;
  framed: Uint8Array | undefined;
  /** The body is complete. */
  over = false;
  /** The read held bytes past the body: the connection is out of step and must not be reused. */
  spill = false;
  #remaining: number;
  readonly #decoder: ChunkedDecoder | undefined;
  readonly #unframed: boolean;
  readonly #chunkOut: boolean;

  /**
   * `length`: a Content-Length, CHUNKED, or UNTIL_CLOSE; `unframed`: a chunked body goes out
   * decoded; `chunkOut`: an UNTIL_CLOSE body goes out chunked (each read a chunk, lastChunk at the close).
   */
  constructor(length: number, unframed = false, chunkOut = false) {
    this.#remaining = length;
    this.#decoder = length === CHUNKED ? new ChunkedDecoder() : undefined;
    this.#unframed = unframed;
    this.#chunkOut = chunkOut && length === UNTIL_CLOSE;
  }

  /** What ends the client's body when the member closes cleanly: the last chunk when it is chunked. */
  get lastChunk(): Uint8Array | undefined {
    return this.#chunkOut ? LAST_CHUNK : undefined;
  }

  get untilClose(): boolean {
    return this.#remaining === UNTIL_CLOSE;
  }

  /** Takes the body's part of buf[from..]. Throws UpstreamError (EMALFORMED) on bad chunking. */
  take(buf: Buffer, from: number): void {
    const len = buf.byteLength;
    if (this.#decoder) return this.#chunked(buf, from);
    if (this.#remaining === UNTIL_CLOSE) {
      this.bytes += len - from;
      this.end = len;
      if (this.#chunkOut) this.framed = len > from ? Buffer.concat([Buffer.from(`${(len - from).toString(16)}\r\n`), buf.subarray(from), CRLF]) : undefined;
      return;
    }
    const n = Math.min(this.#remaining, len - from);
    this.#remaining -= n;
    this.bytes += n;
    this.end = from + n;
    this.over = this.#remaining === 0;
    this.spill = this.end < len;
  }

  #chunked(buf: Buffer, from: number): void {
    const parts: Uint8Array[] = [];
    let n = 0;
    const end = this.#decoder!.feed(buf, from, (data) => {
      if (this.#unframed) parts.push(data);
      else parts.push(Buffer.from(`${data.byteLength.toString(16)}\r\n`), data, CRLF);
      n += data.byteLength;
    });
    // Counted once the read decoded: a read that throws is not relayed, so its bytes never left.
    this.bytes += n;
    if (end >= 0) {
      this.over = true;
      this.spill = end < buf.byteLength;
      if (!this.#unframed) parts.push(LAST_CHUNK);
    }
    this.framed = parts.length ? Buffer.concat(parts) : undefined;
  }
}

/** The head and the first body bytes as one write: the member's own bytes, uncopied, when its head goes out as it came. */
export function headAndBody(head: ClientHead, buf: Buffer, from: number, relay: BodyRelay): Uint8Array {
  if (relay.framed) return Buffer.concat([head.bytes ?? buf.subarray(0, from), relay.framed]);
  if (head.bytes === undefined) return relay.end === buf.byteLength ? buf : buf.subarray(0, relay.end);
  return relay.end > from ? Buffer.concat([head.bytes, buf.subarray(from, relay.end)]) : head.bytes;
}

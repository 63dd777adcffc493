/**
 * Where a relayed response body ends, and what of each upstream read the client gets. A body
 * with a length passes through as it came (a view of the read, no copy); a chunked body is
 * decoded and framed again, so the client only ever sees clean CRLF framing without
 * extensions or trailers (the upstream's own may be lenient: RFC 9112 7.1 lets us accept
 * bare LF, not pass it on), as the spine's re-encoding did.
 */
import { ChunkedDecoder } from "../upstream/chunked-decoder.ts";

export const CHUNKED = -2;
export const UNTIL_CLOSE = -1;

export interface Take {
  /** Bytes for the client, or undefined when this read held none. */
  out: Uint8Array | undefined;
  /** The body is complete. */
  over: boolean;
  /** The read held bytes past the body: the connection is out of step and must not be reused. */
  spill: boolean;
}

const LAST_CHUNK = Buffer.from("0\r\n\r\n");
const CRLF = Buffer.from("\r\n");

export class BodyRelay {
  /** Body bytes so far (decoded, for chunked): the access log's %b. */
  bytes = 0;
  #remaining: number;
  readonly #decoder: ChunkedDecoder | undefined;

  /** `length`: a Content-Length, CHUNKED, or UNTIL_CLOSE. */
  constructor(length: number) {
    this.#remaining = length;
    this.#decoder = length === CHUNKED ? new ChunkedDecoder() : undefined;
  }

  get untilClose(): boolean {
    return this.#remaining === UNTIL_CLOSE;
  }

  get complete(): boolean {
    return this.#remaining === 0;
  }

  /** The client's share of buf[from..]. Throws UpstreamError (EMALFORMED) on bad chunking. */
  take(buf: Buffer, from: number): Take {
    const len = buf.byteLength;
    if (this.#decoder) return this.#chunked(buf, from);
    if (this.#remaining === UNTIL_CLOSE) {
      this.bytes += len - from;
      return { out: from < len ? buf.subarray(from) : undefined, over: false, spill: false };
    }
    const n = Math.min(this.#remaining, len - from);
    this.#remaining -= n;
    this.bytes += n;
    return { out: n > 0 ? buf.subarray(from, from + n) : undefined, over: this.#remaining === 0, spill: from + n < len };
  }

  #chunked(buf: Buffer, from: number): Take {
    const parts: Uint8Array[] = [];
    const end = this.#decoder!.feed(buf, from, (data) => {
      parts.push(Buffer.from(`${data.byteLength.toString(16)}\r\n`), data, CRLF);
      this.bytes += data.byteLength;
    });
    const over = end >= 0;
    if (over) {
      this.#remaining = 0;
      parts.push(LAST_CHUNK);
    }
    return { out: parts.length ? Buffer.concat(parts) : undefined, over, spill: over && end < buf.byteLength };
  }
}

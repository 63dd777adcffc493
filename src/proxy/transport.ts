/**
 * How a request reaches one member. The proxy calls only `send`, so tests and the
 * implementation (the lean HTTP/1.1 client, http-transport.ts, plain or TLS) are interchangeable.
 */
import type { AbortLike } from "./cancel.ts";

export interface UpstreamCall {
  method: string;
  target: string;                          // path + query, as sent on the request line
  headers: Headers;                        // final: the transport adds nothing
  body: ReadableStream<Uint8Array> | null;
  signal: AbortLike;
  connectTimeoutMs: number;
}

export interface Transport {
  send(call: UpstreamCall): Promise<Response>;
  close(): void;
}

/** The connection was never established: safe to retry on another member, for any method. */
export class ConnectFailure extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The client's request body failed while it was being sent (malformed chunking, cut short, over
 * maxBodySize): the client's fault, so it never counts against the member's health.
 */
export class RequestBodyFailure extends Error {}

/**
 * Error types of the upstream client. The split matters to the proxy: a
 * ConnectError means the request never left this process, so it is safe to
 * retry on another member; an UpstreamError means the request may have reached
 * the upstream (or its response was unusable), so it maps to 502 and no retry.
 */

/** The TCP connection was never established (refused, timed out, DNS, ...). */
export class ConnectError extends Error {
  code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectError";
    this.code = code;
  }
}

/**
 * Failure after the connection was established.
 * - ECONNRESET: the socket closed or errored before the response head was complete
 * - EMALFORMED: the response head or chunked framing violates RFC 9112
 * - ETRUNCATED: the body ended before its declared length / final chunk
 * - EREQBODY:   the request body stream failed or did not match content-length
 */
export class UpstreamError extends Error {
  code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UpstreamError";
    this.code = code;
  }
}

/** A request head as the engine reads it (request-head.ts reads it; the rest of the engine decides by it). */
export interface FastHead {
  method: string;
  /** Request target as received: path + query (origin-form only). */
  target: string;
  rawPath: string;
  query: string;
  hostHeader: string;
  hostName: string;
  /** Header lines kept as received (CRLF-terminated), split around the Host line. */
  beforeHost: string;
  afterHost: string;
  userAgent: string | null;
  referer: string | null;
  /** The Authorization value, for routes with `auth` (the line itself is forwarded). */
  authorization: string | null;
  /** Cookie lines' values, joined with "; " (RFC 6265 5.4), for sticky sessions. */
  cookie: string | null;
  /** Values the client sent, for trusted proxies (several lines joined with ", "). */
  xForwardedFor: string | null;
  xForwardedProto: string | null;
  xForwardedHost: string | null;
  xForwardedPort: string | null;
  /** Forwarded and X-Real-IP lines, kept only when the client is a trusted proxy. */
  trustedOnly: string;
  /** `Connection: close`, or HTTP/1.0 without keep-alive: answer, then close (RFC 9112 9.3, 9.6). */
  close: boolean;
  /** An HTTP/1.0 client: its member request asks for no chunked answer (upstream-head.ts). */
  http10: boolean;
  /** A field value carries obs-text (bytes >= 0x80): the head goes out as latin1 bytes. */
  /** As the client wrote it (HTTP/1.x above 1 reads as 1.1): the member's request line, the access log's %r. */
  protocol: "HTTP/1.0" | "HTTP/1.1";
  latin1: boolean;
  /** Content-Length, or -1 without one. */
  bodyLength: number;
  /** `Transfer-Encoding: chunked` (the only coding the lane takes; the body goes on as received). */
  chunked: boolean;
  /**
   * `Expect: 100-continue`: the front answers 100 itself while it reads the body, and the line
   * is not forwarded (NGINX does the same: the member gets the whole body at once).
   */
  expectContinue: boolean;
  /** An Upgrade request (Upgrade named in Connection, RFC 9110 7.8): a 101 makes it a byte tunnel. */
  upgrade: boolean;
}

/**
 * The proxy's own answers: short plain-text bodies, as NGINX's and HAProxy's error pages are
 * short, and never a stack trace.
 */
export type ProxyErrorKind = "bad_request" | "forbidden" | "no_route" | "not_allowed" | "client_timeout" | "too_large" | "expectation" | "head_too_large" | "upstream" | "unavailable" | "timeout" | "version" | "not_implemented";

const STATUS: Record<ProxyErrorKind, number> = {
  bad_request: 400, forbidden: 403, no_route: 404, not_allowed: 405, client_timeout: 408, too_large: 413, expectation: 417, head_too_large: 431, upstream: 502, unavailable: 503, timeout: 504, version: 505, not_implemented: 501,
};

const REASON: Record<number, string> = {
  400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 413: "Content Too Large", 417: "Expectation Failed", 431: "Request Header Fields Too Large", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
};

/** An answer of the proxy's own, as the bytes of an HTTP/1.1 response. */
/** `bodyBytes`: the body's length, what the access log counts as sent (%b). */
export function errorBytes(kind: ProxyErrorKind, detail: string, close: boolean): { status: number; bytes: Uint8Array; bodyBytes: number } {
  const status = STATUS[kind];
  const body = Buffer.from(detail + "\n");
  const head = `HTTP/1.1 ${status} ${REASON[status]}\r\ncontent-type: text/plain; charset=utf-8\r\ncache-control: no-store\r\ndate: ${httpDate()}\r\ncontent-length: ${body.byteLength}\r\n${close ? "connection: close\r\n" : ""}\r\n`;
  return { status, bytes: Buffer.concat([Buffer.from(head, "latin1"), body]), bodyBytes: body.byteLength };
}

let dateSecond = -1;
let dateText = "";
/** RFC 9110 5.6.7 IMF-fixdate, recomputed at most once a second. */
export function httpDate(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== dateSecond) {
    dateSecond = sec;
    dateText = new Date(sec * 1000).toUTCString();
  }
  return dateText;
}

/** Apache's AllowEncodedSlashes Off answers 404 too. */
export const ENCODED_SLASH_404 = "404 Not Found: an encoded / or \\ in the path is not allowed here";

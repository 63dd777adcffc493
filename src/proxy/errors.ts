/**
 * The proxy's own answers: short plain-text bodies, as NGINX's and HAProxy's error pages are
 * short, and never a stack trace (Bun's `development` error page would leak one).
 */
export type ProxyErrorKind = "bad_request" | "forbidden" | "no_route" | "too_large" | "upstream" | "unavailable" | "timeout";

const STATUS: Record<ProxyErrorKind, number> = {
  bad_request: 400, forbidden: 403, no_route: 404, too_large: 413, upstream: 502, unavailable: 503, timeout: 504,
};

export function errorResponse(kind: ProxyErrorKind, detail: string): Response {
  return new Response(detail + "\n", {
    status: STATUS[kind],
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/** Thrown by a response-phase timer so the abort reason says which phase ran out. */
export class UpstreamTimeout extends Error {
  constructor(phase: string) {
    super(`upstream ${phase} timeout`);
  }
}

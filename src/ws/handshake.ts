/** Building the upstream handshake from the client's, and reading a failed one. */

/**
 * Headers the proxy must not copy into its own upstream handshake. Hop-by-hop headers are
 * per-connection (RFC 9110 7.6.1). The Sec-WebSocket-Key/Version/Extensions belong to the
 * client's handshake: Bun's client WebSocket generates its own key and version (RFC 6455 4.1)
 * and negotiates permessage-deflate per hop (RFC 6455 9.1: extensions are per connection).
 * Sec-WebSocket-Protocol is offered through the constructor's `protocols` instead, so that
 * Bun validates the upstream's choice against the offer (RFC 6455 4.1, client step 6).
 */
const NOT_FORWARDED = new Set([
  "connection", "upgrade", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
  "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol",
  "sec-websocket-accept", "content-length",
]);

export function upstreamHeaders(headers: Headers): Headers {
  const out = new Headers();
  // RFC 9110 7.6.1: headers named in Connection are hop-by-hop for this connection too.
  const named = new Set((headers.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean));
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (!NOT_FORWARDED.has(lower) && !named.has(lower)) out.append(name, value);
  });
  return out;
}

/** The client's offered subprotocols, in order (RFC 6455 4.1: a comma-separated list of tokens). */
export function offeredProtocols(req: Request): string[] {
  const raw = req.headers.get("sec-websocket-protocol");
  if (raw === null) return [];
  return raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/** RFC 9110 5.6.2 token: 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * RFC 6455 4.1: the offered subprotocols must be tokens and unique. Bun's WebSocket constructor
 * throws on anything else (and compares case-insensitively for duplicates), so the proxy checks
 * the client's offer first and answers 400 instead of failing mid-connect.
 */
export function validProtocols(protocols: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const p of protocols) {
    if (!TOKEN.test(p)) return false;
    const lower = p.toLowerCase();
    if (seen.has(lower)) return false;
    seen.add(lower);
  }
  return true;
}

/**
 * Bun's client WebSocket does not expose the response of a refused handshake; the only trace
 * is the error event's message, "... failed: Expected 101 status code: 403" (Bun 1.4.5).
 * Parse the status from it so the client sees the upstream's decision (403, 404...), and
 * fall back to 502 when the text changes. Only 4xx/5xx are relayed: a 3xx would need its
 * Location, and a 1xx/2xx is a broken handshake, i.e. a bad gateway.
 */
/**
 * Any final status other than 101 (a 200 page, a 3xx): the member answered as for an ordinary
 * request, which is no failure of the member (NGINX relays such an answer as it is).
 */
export function answeredStatus(message: string): number | undefined {
  const m = /Expected 101 status code: (\d{3})\b/.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

export function refusedStatus(message: string): number | undefined {
  const m = /Expected 101 status code: (\d{3})\b/.exec(message);
  if (m?.[1] === undefined) return undefined;
  const status = Number(m[1]);
  return status >= 400 && status <= 599 ? status : undefined;
}

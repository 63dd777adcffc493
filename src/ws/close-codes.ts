/**
 * Close-code translation between the two hops. The proxy terminates both WebSocket connections
 * (RFC 6455 section 9 treats it as an endpoint on each), so a code received on one hop must be
 * re-sent on the other, and some received codes may not be sent.
 */

/** What to send on the other hop: `code` undefined means a Close frame without a status code. */
export interface CloseSpec {
  code: number | undefined;
  reason: string;
}

/**
 * Codes an endpoint may put in a Close frame (RFC 6455 7.4.1/7.4.2 plus the IANA registry):
 * 1000-1003 and 1007-1014 are registered; 3000-4999 are for libraries and applications.
 * 1004 is reserved, and 1005/1006/1015 are "MUST NOT be set as a status code" values that only
 * describe what the receiver observed. Bun's client `close()` throws on anything else.
 */
export function isSendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** RFC 6455 5.5: a control frame payload is at most 125 bytes, 2 of them the code. */
const MAX_REASON_BYTES = 123;

export function truncateReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let out = "";
  for (const ch of reason) {
    if (Buffer.byteLength(out + ch) > MAX_REASON_BYTES) break;
    out += ch;
  }
  return out;
}

/**
 * Maps a code observed on one hop to the one to send on the other.
 * - 1005 (the peer sent a Close frame with no code, 7.1.5): forward a Close frame with no
 *   code, so the far end observes 1005 too.
 * - 1006 (the connection dropped without a Close frame, 7.1.5): this cannot be sent. When the
 *   upstream vanished, tell the client 1011 (the "server" side hit an unexpected condition);
 *   when the client vanished, tell the upstream 1001 (the peer is "going away").
 * - 1015 (TLS handshake failure) and any other unsendable code: 1011 / 1001 likewise.
 */
export function relayClose(code: number, reason: string, from: "upstream" | "client"): CloseSpec {
  if (isSendableCode(code)) return { code, reason: truncateReason(reason) };
  if (code === 1005) return { code: undefined, reason: "" };
  if (from === "upstream") return { code: 1011, reason: "upstream connection lost" };
  return { code: 1001, reason: "client connection lost" };
}

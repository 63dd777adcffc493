/**
 * Request and response header plumbing that every proxied exchange needs.
 * Hop-by-hop headers (RFC 9110 7.6.1: Connection and the fields it names, plus the classic
 * list from RFC 2616 13.5.1 that proxies still strip) belong to one connection and are never
 * forwarded in either direction.
 */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization"];

const PROTECTED = new Set(["host", "content-length"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Underscored names that read as one of these once `_` becomes `-`. */
const OURS = new Set(["host", "content-length", "transfer-encoding", "connection", "upgrade", "expect", "forwarded",
  "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip"]);

/**
 * `X_Forwarded_For` and the like: a name some frameworks read as a field the proxy sets or
 * frames by. Dropped from requests, as NGINX drops underscored names (underscores_in_headers off).
 */
export function readsAsOurs(lowerName: string): boolean {
  if (!lowerName.includes("_")) return false;
  const dashed = lowerName.replaceAll("_", "-");
  return OURS.has(dashed) || dashed.startsWith("x-forwarded-"); // X_Forwarded_Prefix too: kept only from trustedProxies
}

/**
 * A value without the OWS around it: spaces and tabs only (RFC 9110 5.6.3). String.trim()
 * strips more (0xA0 read as latin1, U+FEFF): `Content-Length: \xa05` would be 5 here and 0
 * to a member that reads it as Ruby's to_i does, a request hidden in the body.
 */
export function ows(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

export function stripHopByHop(h: Headers): void {
  const conn = h.get("connection");
  if (conn) {
    for (const token of conn.split(",")) {
      const t = ows(token);
      // A token that is not a valid field name names no header; Headers.delete would throw.
      // Host and Content-Length are never a connection's own (RFC 9110 7.6.1 lets a sender
      // name any field), so a client cannot strip them from the forwarded request.
      if (TOKEN.test(t) && !PROTECTED.has(t.toLowerCase())) h.delete(t);
    }
  }
  for (const name of HOP_BY_HOP) h.delete(name);
}

/** Bun reports IPv4 clients of a dual-stack socket as `::ffff:1.2.3.4`; logs and XFF want `1.2.3.4`. */
export function plainIp(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

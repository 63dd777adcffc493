/**
 * Where a route reads its token: `header` (RFC 6750 2.1 `Authorization: Bearer`), `cookie:NAME`
 * (RFC 6265 cookie-pairs) or `query:NAME` (RFC 6750 2.3 form, for clients that cannot set headers).
 */
import type { RequestFacts } from "./route-auth.ts";

export type TokenReader = (facts: RequestFacts) => string | undefined;

export function tokenReader(where: string): TokenReader {
  if (where.startsWith("cookie:")) {
    const name = where.slice(7);
    return (f) => (f.cookie === null ? undefined : cookieValue(f.cookie, name));
  }
  if (where.startsWith("query:")) {
    const name = where.slice(6);
    return (f) => (f.query.length > 1 ? new URLSearchParams(f.query).get(name) || undefined : undefined);
  }
  return (f) => (f.authorization === null ? undefined : bearer(f.authorization));
}

/** The auth-scheme is case-insensitive (RFC 9110 11.1); another scheme (Basic) is no bearer token. */
export function bearer(value: string): string | undefined {
  const v = value.trim();
  if (v.length < 8 || v.charCodeAt(6) !== 32 || v.slice(0, 6).toLowerCase() !== "bearer") return undefined;
  return v.slice(7).trim() || undefined;
}

/** The first cookie of that name (RFC 6265 5.4 orders the most specific path first). */
export function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === name) {
      let v = pair.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v || undefined;
    }
  }
  return undefined;
}

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
    return (f) => {
      if (f.query.length <= 1) return undefined;
      // Given twice, the proxy would check one and the member might read the other: no token.
      const all = new URLSearchParams(f.query).getAll(name);
      return all.length === 1 ? all[0] || undefined : undefined;
    };
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

/**
 * The request target as the access log writes it for a route that reads its token from the
 * query: that parameter's value is replaced, so the log holds no working credential (RFC 6750
 * 2.3 warns that URLs with tokens get logged). Everything else stays as received. Undefined
 * for the other sources, whose tokens are never in the target.
 */
export function logTarget(where: string): ((target: string) => string) | undefined {
  if (!where.startsWith("query:")) return undefined;
  const name = where.slice(6);
  return (target) => redactParam(target, name);
}

export function redactParam(target: string, name: string): string {
  const q = target.indexOf("?");
  if (q < 0) return target;
  const pairs = target.slice(q + 1).split("&");
  let changed = false;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const eq = pair.indexOf("=");
    // The key as the token reader's URLSearchParams decodes it (`+`, percent-escapes).
    if (eq < 0 || new URLSearchParams(pair).keys().next().value !== name) continue;
    pairs[i] = `${pair.slice(0, eq)}=redacted`;
    changed = true;
  }
  return changed ? `${target.slice(0, q + 1)}${pairs.join("&")}` : target;
}

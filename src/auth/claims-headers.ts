/**
 * claimsToHeaders: verified claims become request headers for the member. Strings, numbers
 * and booleans are copied as text; a list joins its items with ", " (an HTTP list, RFC 9110
 * 5.6.1); an object is sent as JSON. A value that no header can carry (CR, LF, NUL, beyond
 * Latin-1) is left out rather than cut, so a member never sees half a claim.
 */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface ClaimHeaders {
  /** Lower-case header names: removed from every request on the route, whatever it sent. */
  names: string[];
  headersFor(claims: Record<string, unknown>): [string, string][];
}

export function claimHeaders(map: Readonly<Record<string, string>>): ClaimHeaders {
  const pairs = Object.entries(map).map(([claim, header]) => [claim, header.toLowerCase()] as const);
  return {
    names: [...new Set(pairs.map(([, h]) => h))],
    headersFor(claims) {
      const out: [string, string][] = [];
      for (const [claim, header] of pairs) {
        const text = headerText(claims[claim]);
        if (text !== undefined) out.push([header, text]);
      }
      return out;
    },
  };
}

export function headerText(v: unknown): string | undefined {
  let text: string;
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") text = v;
  else if (typeof v === "number" || typeof v === "boolean") text = String(v);
  else if (Array.isArray(v)) text = v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ");
  else text = JSON.stringify(v);
  return FIELD_VALUE.test(text) ? text : undefined;
}

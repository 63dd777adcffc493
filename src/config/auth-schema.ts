/**
 * routes[].auth: the shape of `auth.jwt` (valibot) and the checks that span its fields (run on
 * the raw JSON with the others in semantics.ts, so every problem is reported in one pass).
 */
import * as v from "valibot";

/** RFC 7518 3.1 and RFC 8037 (EdDSA; Ed25519 is its fully-specified name). Never "none". */
export const JWS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519", "HS256", "HS384", "HS512"] as const;
export const KEY_SOURCES = ["jwksFile", "jwksUrl", "secretFile"] as const;
const HMAC = /^HS\d+$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the proxy itself owns on the way upstream (framing, hop-by-hop, the token itself). */
const OWNED = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "authorization"]);

const nonEmpty = v.pipe(v.string(), v.minLength(1, "expected a non-empty string"));
const oneOrMore = v.union([nonEmpty, v.pipe(v.array(nonEmpty), v.minLength(1, "give at least one value"))], "expected a string or a list of strings");
const headerName = v.pipe(
  v.string(),
  v.regex(TOKEN, "a header name is an RFC 9110 token (letters, digits, - and a few symbols)"),
  v.check((h) => !OWNED.has(h.toLowerCase()), (i) => `${JSON.stringify(i.input)} cannot carry a claim: the proxy sets it itself; choose another header such as "X-User"`),
);

/** The duration schema is passed in: it lives in schema.ts, which imports this file. */
export function authSchema<D extends v.GenericSchema<string, number>>(duration: D) {
  return v.strictObject({
    jwt: v.strictObject({
      jwksFile: v.optional(nonEmpty),
      jwksUrl: v.optional(v.pipe(v.string(), v.check(isHttpUrl, (i) => `${JSON.stringify(i.input)} is not an http(s) URL`))),
      secretFile: v.optional(nonEmpty),
      issuer: v.optional(oneOrMore),
      audience: v.optional(oneOrMore),
      algorithms: v.optional(v.pipe(
        v.array(v.picklist(JWS_ALGORITHMS, (i) => i.input === "none" ? '"none" is never accepted: a token must be signed' : `${JSON.stringify(i.input)} is not a JWS algorithm (${JWS_ALGORITHMS.join(", ")})`)),
        v.minLength(1, "give at least one algorithm, or leave algorithms out for the default"),
      )),
      clockSkew: v.optional(duration, "60s"),
      requiredClaims: v.optional(v.array(nonEmpty), []),
      claimsToHeaders: v.optional(v.pipe(
        v.record(nonEmpty, headerName),
        v.check((m) => new Set(Object.values(m).map((h) => h.toLowerCase())).size === Object.keys(m).length, "two claims name the same header; give each claim its own header"),
      ), {}),
      token: v.optional(v.pipe(v.string(), v.regex(/^(header|cookie:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|query:[^&=#]+)$/, 'expected "header", "cookie:NAME" or "query:NAME"')), "header"),
    }),
  });
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && !u.username;
  } catch {
    return false;
  }
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** Cross-field rules of one raw `auth` object; `at` gets paths relative to it. */
export function authIssues(auth: unknown, at: (keys: (string | number)[], message: string) => void): void {
  if (!isObj(auth) || !isObj(auth.jwt)) return;
  const jwt = auth.jwt;
  const given = KEY_SOURCES.filter((k) => jwt[k] !== undefined);
  if (given.length !== 1) {
    at(["jwt"], `give exactly one of jwksFile, jwksUrl, secretFile (got ${given.length ? given.join(", ") : "none"})`);
    return;
  }
  const secret = given[0] === "secretFile";
  (Array.isArray(jwt.algorithms) ? jwt.algorithms : []).forEach((alg, i) => {
    if (typeof alg !== "string" || alg === "none") return;
    if (secret && !HMAC.test(alg)) at(["jwt", "algorithms", i], `${alg} verifies with a public key: use jwksFile or jwksUrl, or list only HS256, HS384, HS512 with secretFile`);
    // The classic confusion attack: an HMAC "signed" with the public key. Never with a key set.
    if (!secret && HMAC.test(alg)) at(["jwt", "algorithms", i], `${alg} needs a shared secret: use secretFile, or drop it from the list for ${given[0]}`);
  });
}

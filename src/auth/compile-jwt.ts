/**
 * routes[].auth.jwt -> the route's verifier, once per compile: files are read and parsed now
 * (a bad key file is a config error with its path, never a 401 at the first request), the
 * jose options are fixed, and the key source keeps its imported keys for every later token.
 */
import { decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { resolve } from "node:path";
import type { RouteConfig } from "../config/schema.ts";
import { claimHeaders } from "./claims-headers.ts";
import { hmacKeys, secretBytes } from "./hmac-secret.ts";
import { jwksFileKeys } from "./jwks-file.ts";
import { JwksUrl, type JwksUrlOptions } from "./jwks-url.ts";
import { reasonFor } from "./reasons.ts";
import type { KeySource, RouteAuth } from "./route-auth.ts";
import { logTarget, tokenReader } from "./token-source.ts";

export type JwtConfig = NonNullable<RouteConfig["auth"]>["jwt"];

export interface JwtCompileOptions {
  baseDir: string;
  /** A key file's bytes: a secret is used as the file holds it, a JWKS decoded as UTF-8. */
  readFile: (path: string) => Uint8Array;
  /** Reports a problem at a path under the jwt object (`jwksFile`, ...) and does not return. */
  fail: (field: string, message: string) => never;
  /** The clock for exp/nbf and for the JWKS refetch limit (tests inject one). */
  now?: () => number;
  jwksUrl?: Omit<JwksUrlOptions, "now">;
  /** The running config's key set for this URL, if it has one: a reload keeps the keys it fetched. */
  keptJwks?: (url: string) => KeySource | undefined;
}

const KEY_DEFAULT = ["RS256", "ES256", "EdDSA"];
const SECRET_DEFAULT = ["HS256"];

export function compileJwt(c: JwtConfig, o: JwtCompileOptions): RouteAuth {
  const now = o.now ?? Date.now;
  const algorithms = c.algorithms ?? (c.secretFile !== undefined ? SECRET_DEFAULT : KEY_DEFAULT);
  const keys = keySource(c, algorithms, o, now);
  const options: JWTVerifyOptions = {
    algorithms,
    issuer: c.issuer,
    audience: c.audience,
    requiredClaims: c.requiredClaims,
    clockTolerance: Math.round(c.clockSkew / 1000),
  };
  const claims = claimHeaders(c.claimsToHeaders);
  const verified = new VerifiedTokens();
  return {
    token: tokenReader(c.token),
    logTarget: logTarget(c.token),
    async verify(token) {
      const t = now();
      const hit = verified.get(token, t);
      if (hit) return { ok: true, claims: hit };
      try {
        const { payload } = await jwtVerify(token, keys.lookup, { ...options, currentDate: new Date(t) });
        verified.set(token, payload, t);
        return { ok: true, claims: payload };
      } catch (e) {
        return { ok: false, reason: reasonFor(e, headerOf(token)) };
      }
    },
    claimHeaders: claims.names,
    headersFor: claims.headersFor,
    keys,
  };
}

function keySource(c: JwtConfig, algorithms: readonly string[], o: JwtCompileOptions, now: () => number): KeySource {
  if (c.jwksUrl !== undefined) return o.keptJwks?.(c.jwksUrl) ?? new JwksUrl(c.jwksUrl, { ...o.jwksUrl, now });
  const field = c.jwksFile !== undefined ? "jwksFile" : "secretFile";
  const file = (c.jwksFile ?? c.secretFile)!;
  let bytes: Uint8Array;
  try {
    bytes = o.readFile(resolve(o.baseDir, file));
  } catch (e) {
    return o.fail(field, `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    // Bytes, not text: decoding would turn every non-UTF-8 byte into U+FFFD, one fixed key for many files.
    return field === "jwksFile" ? jwksFileKeys(new TextDecoder().decode(bytes)) : hmacKeys(secretBytes(bytes), algorithms);
  } catch (e) {
    return o.fail(field, `${file}: ${(e as Error).message}`);
  }
}

function headerOf(token: string): { alg?: unknown; kid?: unknown } | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

/**
 * Tokens that passed every check, so a client repeating its token (every request of a session)
 * costs a map lookup instead of a signature check, as Envoy's jwt_authn jwt_cache_config. An
 * entry lives until the token's `exp`, and at most CACHE_MS, so a key withdrawn from the JWKS
 * stops its tokens within that time. Bounded: when full it starts over rather than grow.
 */
const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;

class VerifiedTokens {
  #map = new Map<string, { claims: JWTPayload; until: number }>();

  get(token: string, now: number): JWTPayload | undefined {
    const e = this.#map.get(token);
    if (!e) return undefined;
    if (now < e.until) return e.claims;
    this.#map.delete(token);
    return undefined;
  }

  set(token: string, claims: JWTPayload, now: number): void {
    const exp = typeof claims.exp === "number" ? claims.exp * 1000 : Infinity;
    if (this.#map.size >= CACHE_MAX) this.#map.clear();
    this.#map.set(token, { claims, until: Math.min(exp, now + CACHE_MS) });
  }
}

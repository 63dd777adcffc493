/**
 * Admin tokens (jose): bearer JWTs whose claim `scope` is "read" or "write" (write implies
 * read). The key is an HMAC secret file (HS256, at least 32 bytes as RFC 7518 3.2 asks of a
 * HS256 key), a JWKS file or a JWKS URL. Issuer and audience default to what `proxy token` mints.
 */
import { readFileSync } from "node:fs";
import { secretBytes } from "../auth/hmac-secret.ts";
import { resolve } from "node:path";
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";

export const DEFAULT_ISSUER = "edge-proxy";
export const DEFAULT_AUDIENCE = "edge-proxy-admin";

export type Scope = "read" | "write";
export interface Principal { sub: string; scope: Scope }

export interface AuthConfig {
  secretFile?: string | undefined;
  jwksFile?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** Checks a token; undefined when it is missing, forged, expired or has no valid scope. */
export type Verify = (token: string) => Promise<Principal | undefined>;

/** The secret as `proxy token` and the admin read it: the file's bytes, one trailing newline (LF or CRLF) removed. */
export function readSecret(file: string): Uint8Array {
  const bytes = secretBytes(readFileSync(file));
  if (bytes.length < 32) throw new Error(`${file}: an admin secret needs at least 32 bytes, this one has ${bytes.length} (make one with: head -c 32 /dev/urandom | base64 > ${file})`);
  return bytes;
}

/** Builds the verifier; files are resolved against routes.json's directory and read now. Errors start with their JSON path. */
export function createVerify(cfg: AuthConfig, baseDir: string): Verify {
  // A token without exp would be good forever: proxy token always sets one, and so must others.
  const opts = { issuer: cfg.issuer ?? DEFAULT_ISSUER, audience: cfg.audience ?? DEFAULT_AUDIENCE, requiredClaims: ["exp"] };
  let check: (token: string) => Promise<{ payload: Record<string, unknown> }>;
  if (cfg.secretFile !== undefined) {
    const path = resolve(baseDir, cfg.secretFile);
    let secret: Uint8Array;
    try {
      secret = readSecret(path);
    } catch (e) {
      const m = (e as Error).message;
      throw new Error(`admin.auth.secretFile: ${m.startsWith(path) ? m : `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? m}`}`);
    }
    check = (t) => jwtVerify(t, secret, { ...opts, algorithms: ["HS256"] });
  } else {
    let keys: JWTVerifyGetKey;
    if (cfg.jwksFile !== undefined) {
      const path = resolve(baseDir, cfg.jwksFile);
      try {
        keys = createLocalJWKSet(JSON.parse(readFileSync(path, "utf8")));
      } catch (e) {
        throw new Error(`admin.auth.jwksFile: cannot use ${path}: ${(e as Error).message}`);
      }
    } else if (cfg.jwksUrl !== undefined) {
      keys = createRemoteJWKSet(new URL(cfg.jwksUrl));
    } else {
      throw new Error("admin.auth: give exactly one of secretFile, jwksFile, jwksUrl");
    }
    check = (t) => jwtVerify(t, keys, opts);
  }
  return async (token) => {
    try {
      const { payload } = await check(token);
      const scope = payload.scope;
      if (scope !== "read" && scope !== "write") return undefined;
      return { sub: typeof payload.sub === "string" ? payload.sub : "unknown", scope };
    } catch {
      return undefined;
    }
  };
}

/**
 * Why a token was refused, in the words an operator greps for. Built from jose's error classes
 * and what the token's header says, never from the token itself (it is a credential; a log
 * line must not replay it).
 */
import { errors } from "jose";
import { KeysUnavailable } from "./jwks-url.ts";

const CLAIM: Record<string, string> = { iss: "wrong issuer", aud: "wrong audience", nbf: "not yet valid", iat: "issued in the future" };
const SAFE = /^[\w.:-]{1,64}$/;

/** A header value quoted for the log only when it is short and plain (an attacker chose it). */
export function shown(v: unknown): string {
  return typeof v === "string" && SAFE.test(v) ? JSON.stringify(v) : "(unprintable)";
}

export function reasonFor(e: unknown, header: { alg?: unknown; kid?: unknown } | undefined): string {
  if (e instanceof errors.JWTExpired) return "expired";
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === "missing") return `missing claim ${shown(e.claim)}`;
    return CLAIM[e.claim] ?? `bad claim ${shown(e.claim)}`;
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (e instanceof errors.JOSEAlgNotAllowed) return `algorithm not allowed (${shown(header?.alg)})`;
  if (e instanceof errors.JWKSNoMatchingKey) return header?.kid === undefined ? "unknown key (no kid)" : `unknown key (kid ${shown(header.kid)})`;
  if (e instanceof errors.JWKSMultipleMatchingKeys) return "bad signature (no key of the set matches)";
  if (e instanceof KeysUnavailable) return e.message;
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return "malformed token";
  if (e instanceof errors.JOSENotSupported) return `unsupported algorithm or key (${shown(header?.alg)})`;
  return "invalid token";
}

/**
 * Keys from a JWKS document (RFC 7517 5) read once at compile time: a reload compiles again and
 * so re-reads the file. jose's local set imports each key on first use and keeps the CryptoKey,
 * so later tokens cost one signature check.
 */
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { createPublicKey, type JsonWebKeyInput } from "node:crypto";
import type { KeyLookup, KeySource } from "./route-auth.ts";

/** Throws with a message for the operator when the text is not a usable JWKS. */
export function parseJwks(text: string): JSONWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON: ${(e as Error).message}`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error('expected a JWKS: an object with a non-empty "keys" list');
  keys.forEach((k, i) => {
    if (typeof k !== "object" || k === null || typeof (k as { kty?: unknown }).kty !== "string") throw new Error(`keys[${i}] has no "kty"`);
    // A private member ("d", or "k" of a symmetric key) means a secret was published by mistake.
    if ("d" in k || "k" in k) throw new Error(`keys[${i}] holds private or secret key material; publish only public keys (use secretFile for HMAC)`);
  });
  return doc as JSONWebKeySet;
}

export function localKeys(jwks: JSONWebKeySet): KeyLookup {
  return createLocalJWKSet(jwks) as KeyLookup;
}

/**
 * Each key of a file imported now, so a truncated modulus or an unknown curve refuses the load
 * or reload with the key's index, rather than passing and failing every token after it (jose
 * imports lazily). RSA under 2048 bits is refused as jose refuses it on use.
 */
function checkUsable(jwks: JSONWebKeySet): void {
  jwks.keys.forEach((k, i) => {
    let bits: number | undefined;
    try {
      bits = createPublicKey({ key: k as JsonWebKeyInput["key"], format: "jwk" }).asymmetricKeyDetails?.modulusLength;
    } catch (e) {
      throw new Error(`keys[${i}]${k.kid === undefined ? "" : ` (kid ${JSON.stringify(k.kid)})`} is not a usable public key: ${(e as Error).message}`);
    }
    if (k.kty === "RSA" && (bits ?? 0) < 2048) throw new Error(`keys[${i}] is an RSA key of ${bits} bits; at least 2048 are needed`);
  });
}

export function jwksFileKeys(text: string): KeySource {
  const jwks = parseJwks(text);
  checkUsable(jwks);
  const lookup = localKeys(jwks);
  return { lookup, warm() {}, close() {} };
}

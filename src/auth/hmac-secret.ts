/**
 * An HMAC secret (HS256/384/512). Each allowed algorithm gets its CryptoKey imported once, so a
 * token costs one MAC check. RFC 7518 3.2: the key must be at least as long as the hash output,
 * so a short secret is a config error, not a weak key in production.
 */
import type { KeyLookup, KeySource } from "./route-auth.ts";

const HASH: Record<string, { hash: string; bytes: number }> = {
  HS256: { hash: "SHA-256", bytes: 32 }, HS384: { hash: "SHA-384", bytes: 48 }, HS512: { hash: "SHA-512", bytes: 64 },
};

/** The secret as the file holds it (raw bytes), without the line end an editor or `echo` adds. */
export function secretBytes(file: Uint8Array): Uint8Array<ArrayBuffer> {
  let end = file.byteLength;
  if (file[end - 1] === 0x0a) end -= file[end - 2] === 0x0d ? 2 : 1;
  return new Uint8Array(file.subarray(0, end));
}

/** Throws with a message for the operator when the secret cannot serve an algorithm. */
export function hmacKeys(secret: Uint8Array<ArrayBuffer>, algorithms: readonly string[]): KeySource {
  const keys = new Map<string, Promise<CryptoKey>>();
  for (const alg of algorithms) {
    const h = HASH[alg];
    if (!h) throw new Error(`${alg} is not an HMAC algorithm; a secret serves HS256, HS384 or HS512`);
    if (secret.byteLength < h.bytes) throw new Error(`the secret has ${secret.byteLength} bytes; ${alg} needs at least ${h.bytes} (RFC 7518 3.2)`);
    const key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: h.hash }, false, ["verify"]);
    key.catch(() => {}); // a failure surfaces on use, as a rejected token
    keys.set(alg, key);
  }
  const lookup: KeyLookup = async (header) => {
    // jose has already refused algorithms outside the allowlist; this is the same list.
    const key = keys.get(header.alg ?? "");
    if (!key) throw new Error("no key for this algorithm");
    return key;
  };
  return { lookup, warm() {}, close() {} };
}

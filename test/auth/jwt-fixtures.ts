/** Real keys and tokens for the auth tests (jose makes both; nothing is a mock). */
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from "jose";

export interface SigningKey { alg: string; kid: string; privateKey: CryptoKey; jwk: JWK }

export async function signingKey(alg: "RS256" | "ES256" | "EdDSA", kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export const jwks = (...keys: SigningKey[]) => ({ keys: keys.map((k) => k.jwk) });

/** `iat`, `nbf`, `exp` are seconds relative to `nowMs` (exp one hour ahead unless given). */
export function sign(key: SigningKey, claims: JWTPayload, nowMs = Date.now(), header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ iat: now, exp: now + 3600, ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

export function signHmac(secret: Uint8Array, claims: JWTPayload, alg = "HS256", nowMs = Date.now()): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ iat: now, exp: now + 3600, ...claims }).setProtectedHeader({ alg }).sign(secret);
}

const b64 = (s: string) => Buffer.from(s).toString("base64url");
/** An unsecured JWT (RFC 7519 6): `alg: none`, empty signature. */
export const unsigned = (claims: JWTPayload) => `${b64(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64(JSON.stringify(claims))}.`;

/** The same token with its payload replaced, signature kept. */
export function tamper(token: string, claims: JWTPayload): string {
  const [h, , s] = token.split(".");
  return `${h}.${b64(JSON.stringify(claims))}.${s}`;
}

/** The public key as PEM: what the confusion attack uses as an HMAC secret. */
export async function publicPem(k: SigningKey): Promise<Uint8Array> {
  return new TextEncoder().encode(await exportSPKI((await importJWK(k.jwk, k.alg, { extractable: true })) as CryptoKey));
}

import { expect, test } from "bun:test";
import { jwksFileKeys, parseJwks } from "../../src/auth/jwks-file.ts";
import { jwks, signingKey } from "./jwt-fixtures.ts";

test("a JWKS file's key is found by kid and imported once (the same CryptoKey each time)", async () => {
  const k = await signingKey("ES256", "k1");
  const { lookup } = jwksFileKeys(JSON.stringify(jwks(k)));
  const first = await lookup({ alg: "ES256", kid: "k1" }, {} as never);
  expect(first.type).toBe("public");
  expect(await lookup({ alg: "ES256", kid: "k1" }, {} as never)).toBe(first);
  await expect(lookup({ alg: "ES256", kid: "other" }, {} as never)).rejects.toThrow();
});

test("a file that is not a public JWKS is refused with what is wrong", () => {
  expect(() => parseJwks("{")).toThrow(/not valid JSON/);
  expect(() => parseJwks('{"keys":[]}')).toThrow(/non-empty "keys"/);
  expect(() => parseJwks('{"keys":[{"x":1}]}')).toThrow(/keys\[0\] has no "kty"/);
  expect(() => parseJwks('{"keys":[{"kty":"RSA","n":"x","e":"AQAB","d":"secret"}]}')).toThrow(/private or secret/);
  expect(() => parseJwks('{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}')).toThrow(/secretFile/);
});

test("a key that cannot be imported (truncated modulus, no n, unknown kty or curve) refuses the file with its index", () => {
  const file = (key: object) => JSON.stringify({ keys: [key] });
  expect(() => jwksFileKeys(file({ kty: "RSA", kid: "rsa1", n: "wwJGmkcbeaok", e: "AQAB" }))).toThrow("keys[0] is an RSA key of 72 bits; at least 2048 are needed");
  expect(() => jwksFileKeys(file({ kty: "RSA", kid: "r" }))).toThrow('keys[0] (kid "r") is not a usable public key');
  expect(() => jwksFileKeys(file({ kty: "XYZ" }))).toThrow("keys[0] is not a usable public key");
  expect(() => jwksFileKeys(file({ kty: "EC", crv: "P-999", x: "a", y: "b" }))).toThrow("keys[0] is not a usable public key");
});

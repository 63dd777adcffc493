import { expect, test } from "bun:test";
import { hmacKeys, secretBytes } from "../../src/auth/hmac-secret.ts";

const secret = secretBytes(Buffer.from("0123456789abcdef0123456789abcdef\n"));

test("the file's line end is not part of the secret", () => {
  expect(secret.byteLength).toBe(32);
  expect(secretBytes(Buffer.from("a\r\n")).byteLength).toBe(1);
});

test("each allowed algorithm has its key imported once; others have none", async () => {
  const { lookup } = hmacKeys(secret, ["HS256"]);
  const k = await lookup({ alg: "HS256" }, {} as never);
  expect(k.algorithm).toMatchObject({ name: "HMAC", hash: { name: "SHA-256" } });
  expect(await lookup({ alg: "HS256" }, {} as never)).toBe(k);
  await expect(lookup({ alg: "HS512" }, {} as never)).rejects.toThrow();
});

test("a secret shorter than the hash (RFC 7518 3.2) or a non-HMAC algorithm is a config error", () => {
  expect(() => hmacKeys(secret, ["HS384"])).toThrow("the secret has 32 bytes; HS384 needs at least 48");
  expect(() => hmacKeys(secret, ["RS256"])).toThrow(/not an HMAC algorithm/);
});

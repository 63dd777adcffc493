import { describe, expect, test } from "bun:test";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { createVerify, readSecret } from "../../src/admin/auth.ts";
import { makeTempDir } from "../temp-dirs.ts";
import { join } from "node:path";
import { writeFileSync } from "node:fs";

const secret = "s".repeat(32);
const sign = (claims: Record<string, unknown>, key: Uint8Array | CryptoKey = new TextEncoder().encode(secret), alg = "HS256", iss = "edge-proxy", aud = "edge-proxy-admin") =>
  new SignJWT(claims).setProtectedHeader({ alg, kid: "k1" }).setIssuer(iss).setAudience(aud).setSubject("alice").setIssuedAt().setExpirationTime("1h").sign(key);

describe("admin auth", () => {
  const dir = makeTempDir("edge-auth-");
  writeFileSync(join(dir, "admin.secret"), secret + "\n");

  test("the secret file loses one trailing newline and must hold 32 bytes", () => {
    expect(new TextDecoder().decode(readSecret(join(dir, "admin.secret")))).toBe(secret);
    writeFileSync(join(dir, "short"), "too short\n");
    expect(() => readSecret(join(dir, "short"))).toThrow("at least 32 bytes, this one has 9");
  });

  test("HS256 tokens: scope read or write; wrong key, audience or scope refused", async () => {
    const verify = createVerify({ secretFile: "admin.secret" }, dir);
    expect(await verify(await sign({ scope: "write" }))).toEqual({ sub: "alice", scope: "write" });
    expect(await verify(await sign({ scope: "admin" }))).toBeUndefined();
    expect(await verify(await sign({ scope: "read" }, new TextEncoder().encode("x".repeat(32))))).toBeUndefined();
    expect(await verify(await sign({ scope: "read" }, undefined, "HS256", "edge-proxy", "other"))).toBeUndefined();
    expect(await verify("not.a.token")).toBeUndefined();
  });

  test("a JWKS file verifies RS256 tokens with the configured issuer", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" }] }));
    const verify = createVerify({ jwksFile: "jwks.json", issuer: "idp" }, dir);
    expect(await verify(await sign({ scope: "read" }, privateKey, "RS256", "idp"))).toEqual({ sub: "alice", scope: "read" });
    expect(await verify(await sign({ scope: "read" }, privateKey, "RS256"))).toBeUndefined();
  });
});

test("a token without exp is refused: it would be good forever", async () => {
  const dir = makeTempDir("edge-auth-");
  writeFileSync(join(dir, "admin.secret"), secret);
  const verify = createVerify({ secretFile: "admin.secret" }, dir);
  const noExp = await new SignJWT({ scope: "write" }).setProtectedHeader({ alg: "HS256" }).setIssuer("edge-proxy").setAudience("edge-proxy-admin").setSubject("alice").sign(new TextEncoder().encode(secret));
  expect(await verify(noExp)).toBeUndefined();
  expect(await verify(await sign({ scope: "write" }))).toEqual({ sub: "alice", scope: "write" });
});

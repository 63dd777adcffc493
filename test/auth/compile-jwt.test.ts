import { expect, test } from "bun:test";
import { compileJwt, type JwtConfig } from "../../src/auth/compile-jwt.ts";
import { jwks, publicPem, sign, signHmac, signingKey, tamper, unsigned } from "./jwt-fixtures.ts";

const T0 = Date.UTC(2026, 0, 1);
const rsa = await signingKey("RS256", "r1");
const files: Record<string, string> = { "/cfg/jwks.json": JSON.stringify(jwks(rsa)), "/cfg/secret": "0123456789abcdef0123456789abcdef\n" };

function verifier(c: Partial<JwtConfig>, now = () => T0) {
  const config: JwtConfig = { requiredClaims: [], claimsToHeaders: {}, clockSkew: 60_000, token: "header", ...c };
  return compileJwt(config, {
    baseDir: "/cfg", now,
    readFile: (p) => { if (!(p in files)) throw new Error("ENOENT"); return Buffer.from(files[p]!); },
    fail: (field, message) => { throw new Error(`${field}: ${message}`); },
  });
}

test("a secretFile is its bytes, not UTF-8 text: binary secrets work, and invalid UTF-8 never collapses to one fixed key", async () => {
  const bytes = new Uint8Array(32).map((_, i) => 0xe0 + (i % 32)); // not valid UTF-8
  const fixed = Buffer.from("\ufffd".repeat(32)); // what a decode would have made of it
  const bin = (content: Uint8Array) => compileJwt({ requiredClaims: [], claimsToHeaders: {}, clockSkew: 60_000, token: "header", secretFile: "s" }, {
    baseDir: "/cfg", now: () => T0, readFile: () => Buffer.from(content), fail: (f, m) => { throw new Error(`${f}: ${m}`); },
  });
  const v = bin(bytes);
  expect((await v.verify(await signHmac(bytes, { sub: "a" }, "HS256", T0))).ok).toBe(true);
  expect((await v.verify(await signHmac(fixed, { sub: "a" }, "HS256", T0))).ok).toBe(false);
  // 16 such bytes are 16, not the 48 a decode would count: too short for HS256.
  expect(() => bin(bytes.subarray(0, 16))).toThrow("secretFile: s: the secret has 16 bytes; HS256 needs at least 32");
});

test("a signed token with the right issuer and audience passes and its claims are kept", async () => {
  const v = verifier({ jwksFile: "jwks.json", issuer: "https://idp", audience: ["api", "web"] });
  const r = await v.verify(await sign(rsa, { sub: "alice", iss: "https://idp", aud: "api" }, T0));
  expect(r).toMatchObject({ ok: true, claims: { sub: "alice" } });
});

test("exp and nbf are checked against the injected clock, with clockSkew either side", async () => {
  const v = verifier({ jwksFile: "jwks.json", clockSkew: 60_000 });
  const expiredBy = (s: number) => sign(rsa, { exp: Math.floor(T0 / 1000) - s }, T0);
  expect((await v.verify(await expiredBy(30))).ok).toBe(true);
  expect(await v.verify(await expiredBy(90))).toEqual({ ok: false, reason: "expired" });
  expect(await v.verify(await sign(rsa, { nbf: Math.floor(T0 / 1000) + 120 }, T0))).toEqual({ ok: false, reason: "not yet valid" });
  const later = verifier({ jwksFile: "jwks.json" }, () => T0 + 2 * 3600_000);
  expect(await later.verify(await sign(rsa, {}, T0))).toEqual({ ok: false, reason: "expired" });
});

test("wrong issuer, wrong audience, missing claim, tampered payload each have their reason", async () => {
  const v = verifier({ jwksFile: "jwks.json", issuer: "https://idp", audience: "api", requiredClaims: ["tenant"] });
  const good = { iss: "https://idp", aud: "api", tenant: "t1" };
  expect(await v.verify(await sign(rsa, { ...good, iss: "https://evil" }, T0))).toEqual({ ok: false, reason: "wrong issuer" });
  expect(await v.verify(await sign(rsa, { ...good, aud: "other" }, T0))).toEqual({ ok: false, reason: "wrong audience" });
  expect(await v.verify(await sign(rsa, { iss: "https://idp", aud: "api" }, T0))).toEqual({ ok: false, reason: 'missing claim "tenant"' });
  const token = await sign(rsa, good, T0);
  expect(await v.verify(tamper(token, { ...good, tenant: "t2", exp: Math.floor(T0 / 1000) + 60 }))).toEqual({ ok: false, reason: "bad signature" });
});

test("alg none and HS256 keyed with the RSA public key (the confusion attack) are refused", async () => {
  const v = verifier({ jwksFile: "jwks.json" });
  expect(await v.verify(unsigned({ sub: "x" }))).toEqual({ ok: false, reason: 'algorithm not allowed ("none")' });
  const pem = await publicPem(rsa);
  expect(await v.verify(await signHmac(pem, { sub: "x" }, "HS256", T0))).toEqual({ ok: false, reason: 'algorithm not allowed ("HS256")' });
  expect(await v.verify("not-a-jwt")).toEqual({ ok: false, reason: "malformed token" });
  expect(await v.verify(await sign(await signingKey("RS256", "r2"), {}, T0))).toEqual({ ok: false, reason: 'unknown key (kid "r2")' });
});

test("a secret verifies HS256 by default and refuses other algorithms", async () => {
  const v = verifier({ secretFile: "secret" });
  const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef");
  expect((await v.verify(await signHmac(secret, { sub: "svc" }, "HS256", T0))).ok).toBe(true);
  expect(await v.verify(await signHmac(secret, {}, "HS512", T0))).toEqual({ ok: false, reason: 'algorithm not allowed ("HS512")' });
  expect(await v.verify(await signHmac(new TextEncoder().encode("x".repeat(32)), {}, "HS256", T0))).toEqual({ ok: false, reason: "bad signature" });
});

test("files that cannot be read or used fail at compile time, naming the field", () => {
  expect(() => verifier({ jwksFile: "nope.json" })).toThrow("jwksFile: cannot read nope.json: ENOENT");
  files["/cfg/short"] = "short";
  expect(() => verifier({ secretFile: "short" })).toThrow("secretFile: short: the secret has 5 bytes; HS256 needs at least 32");
  files["/cfg/bad.json"] = "{}";
  expect(() => verifier({ jwksFile: "bad.json" })).toThrow('jwksFile: bad.json: expected a JWKS');
});

test("the route's token source and claim headers are compiled in", async () => {
  const v = verifier({ jwksFile: "jwks.json", token: "cookie:at", claimsToHeaders: { sub: "X-User" } });
  expect(v.token({ authorization: "Bearer a", cookie: "at=b", query: "", clientIp: "" })).toBe("b");
  expect(v.claimHeaders).toEqual(["x-user"]);
  expect(v.headersFor({ sub: "alice" })).toEqual([["x-user", "alice"]]);
});

test("a token that passed is remembered until its exp (at most 60 s), never past it", async () => {
  let t = T0;
  const v = verifier({ jwksFile: "jwks.json" }, () => t);
  const token = await sign(rsa, { sub: "alice", exp: Math.floor(T0 / 1000) + 30 }, T0);
  expect(await v.verify(token)).toMatchObject({ ok: true, claims: { sub: "alice" } });
  t = T0 + 20_000;
  expect(await v.verify(token)).toMatchObject({ ok: true, claims: { sub: "alice" } });
  t = T0 + 30_000 + 61_000; // past exp and clockSkew
  expect(await v.verify(token)).toEqual({ ok: false, reason: "expired" });
  // a tampered copy is a different token: never served from what the original earned
  expect((await v.verify(tamper(token, { sub: "mallory", exp: Math.floor(T0 / 1000) + 30 }))).ok).toBe(false);
});

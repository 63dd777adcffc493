import { expect, test } from "bun:test";
import { authorize } from "../../src/auth/authorize.ts";
import type { RouteAuth } from "../../src/auth/route-auth.ts";
import { compileJwt } from "../../src/auth/compile-jwt.ts";
import { jwks, sign, signingKey } from "./jwt-fixtures.ts";

const key = await signingKey("EdDSA", "e1");
const auth: RouteAuth = compileJwt(
  { jwksFile: "k.json", requiredClaims: [], claimsToHeaders: { sub: "X-User", scope: "X-Scope" }, clockSkew: 60_000, token: "header" },
  { baseDir: "/", readFile: () => Buffer.from(JSON.stringify(jwks(key))), fail: (f, m) => { throw new Error(`${f}: ${m}`); } },
);
const route = { label: 'api.example.com/v1"x', auth };
const facts = (authorization: string | null) => ({ authorization, cookie: null, query: "", clientIp: "10.0.0.9" });

test("a valid token: claim headers to set, and every claim header to remove first", async () => {
  const token = await sign(key, { sub: "alice" });
  const lines: string[] = [];
  const v = await authorize(route, facts(`Bearer ${token}`), (_l, m) => lines.push(m));
  expect(v).toEqual({ ok: true, remove: ["x-user", "x-scope"], set: [["x-user", "alice"]] });
  expect(lines).toEqual([]);
});

test("no token: a challenge without an error code (RFC 6750 3.1), logged as no token", async () => {
  const lines: string[] = [];
  const v = await authorize(route, facts(null), (l, m) => lines.push(`${l} ${m}`));
  expect(v).toMatchObject({ ok: false, status: 401, challenge: 'Bearer realm="api.example.com/v1\\"x"' });
  expect(lines).toEqual(['warn auth route=api.example.com/v1"x client=10.0.0.9 401: no token']);
});

test("a bad token: invalid_token, the reason in one log line that never holds the token", async () => {
  const token = await sign(key, { exp: Math.floor(Date.now() / 1000) - 3600 });
  const lines: string[] = [];
  const v = await authorize(route, facts(`Bearer ${token}`), (_l, m) => lines.push(m));
  expect(v).toMatchObject({ ok: false, challenge: 'Bearer realm="api.example.com/v1\\"x", error="invalid_token"' });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toEndWith("401: expired");
  for (const part of token.split(".")) expect(lines[0]).not.toContain(part);
});

test("a route without auth is let through untouched", async () => {
  expect(await authorize({ label: "/" }, facts(null), () => { throw new Error("no log"); })).toEqual({ ok: true, remove: [], set: [] });
});

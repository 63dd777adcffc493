import { expect, test } from "bun:test";
import type { RouteAuth } from "../../src/auth/route-auth.ts";
import { compileJwt } from "../../src/auth/compile-jwt.ts";
import type { RuntimeRoute } from "../../src/config/runtime.ts";
import { authorizeHead } from "../../src/front/auth-step.ts";
import { readFastHead } from "../../src/front/request-head.ts";
import { jwks, sign, signingKey } from "../auth/jwt-fixtures.ts";

const key = await signingKey("EdDSA", "e1");
const auth: RouteAuth = compileJwt(
  { jwksFile: "k.json", requiredClaims: [], claimsToHeaders: { sub: "X-User", scope: "X-Scope" }, clockSkew: 60_000, token: "header" },
  { baseDir: "/", readFile: () => Buffer.from(JSON.stringify(jwks(key))), fail: (f, m) => { throw new Error(`${f}: ${m}`); } },
);
const route = { label: "api/v1", auth } as unknown as RuntimeRoute;
const head = (...lines: string[]) => readFastHead(["GET /v1 HTTP/1.1", ...lines, "", ""].join("\r\n"));

test("a valid token: the client's copies of the claim headers are removed and the claims set on the head", async () => {
  const h = head("X-User: mallory", "Host: api", "X-Scope: admin", `Authorization: Bearer ${await sign(key, { sub: "alice" })}`, "Accept: */*");
  expect(await authorizeHead(route, h, "10.0.0.9", () => {})).toBeUndefined();
  const lines = h.beforeHost + h.afterHost;
  expect(lines).not.toMatch(/mallory|admin/);
  expect(lines).toContain("Accept: */*\r\n");
  expect(h.afterHost).toEndWith("x-user: alice\r\n");
});

test("underscore spellings of the claim headers (X_User, x_scope) are removed too: CGI-style members read them as the same header", async () => {
  const h = head("X_User: root", "Host: api", "x_scope: admin", "X_Other: kept", `Authorization: Bearer ${await sign(key, { sub: "alice" })}`);
  expect(await authorizeHead(route, h, "10.0.0.9", () => {})).toBeUndefined();
  const lines = h.beforeHost + h.afterHost;
  expect(lines).not.toMatch(/root|admin/);
  expect(lines).toContain("X_Other: kept\r\n");
  expect(lines).toContain("x-user: alice\r\n");
});

test("no token or a bad one: the 401 with the RFC 6750 challenge, no-store, and the body only for non-HEAD", async () => {
  const none = await authorizeHead(route, head("Host: api"), "10.0.0.9", () => {});
  const text = Buffer.from(none!.bytes).toString("latin1");
  expect(none!.status).toBe(401);
  expect(text).toStartWith("HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Bearer realm=\"api/v1\"\r\n");
  expect(text).toContain("cache-control: no-store\r\n");
  expect(text).toEndWith("401 Unauthorized: a bearer token is required\n");
  const bad = await authorizeHead(route, readFastHead("HEAD /v1 HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer x.y.z\r\nConnection: close\r\n\r\n"), "10.0.0.9", () => {});
  const badText = Buffer.from(bad!.bytes).toString("latin1");
  expect(badText).toContain('error="invalid_token"');
  expect(badText).toContain("connection: close\r\n");
  expect(badText).toEndWith("\r\n\r\n");
  expect(bad!.bodyBytes).toBe(0);
});

test("a token that cannot be checked (the verifier throws): a 503 on the route, and the reason in the event log", async () => {
  const failing = { label: "api/v1", auth: { ...auth, verify: () => Promise.reject(new Error("key server down")) } } as unknown as RuntimeRoute;
  const events: string[] = [];
  const a = await authorizeHead(failing, head("Host: api", "Authorization: Bearer a.b.c"), "10.0.0.9", (level, msg) => void events.push(`${level} ${msg}`));
  expect(a!.status).toBe(503);
  expect(Buffer.from(a!.bytes).toString("latin1")).toEndWith("503 Service Unavailable: the token could not be checked\n");
  expect(a!.counted).toBe(failing);
  expect(events).toEqual(["error auth route=api/v1: key server down"]);
});

test("a claim header named like a forwarded field (X-Forwarded-User, X-Real-IP) is removed from what a trusted proxy's lines keep too", async () => {
  const fwd: RouteAuth = compileJwt(
    { jwksFile: "k.json", requiredClaims: [], claimsToHeaders: { sub: "X-Forwarded-User", scope: "X-Real-IP" }, clockSkew: 60_000, token: "header" },
    { baseDir: "/", readFile: () => Buffer.from(JSON.stringify(jwks(key))), fail: (f, m) => { throw new Error(`${f}: ${m}`); } },
  );
  const h = head("X-Forwarded-User: admin", "Host: api", "X-Real-IP: 10.6.6.6", "X-Forwarded-Prefix: /app", `Authorization: Bearer ${await sign(key, { sub: "alice" })}`);
  expect(await authorizeHead({ label: "fwd", auth: fwd } as unknown as RuntimeRoute, h, "10.0.0.9", () => {})).toBeUndefined();
  expect(h.trustedOnly).toBe("X-Forwarded-Prefix: /app\r\n");
  expect(h.beforeHost + h.afterHost).not.toMatch(/admin|10\.6\.6\.6/);
  expect(h.afterHost).toContain("x-forwarded-user: alice\r\n");
});

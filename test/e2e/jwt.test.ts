/**
 * routes[].auth.jwt on the compiled binary: real keys (jose), a real upstream that records what
 * reaches it, real JWKS servers (one rotating, one that never answers), fetch as the client.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { echoUpstream, runBinary, startProxy, tempDir, writeFile, type RunningProxy } from "./harness.ts";
import { jwks, publicPem, sign, signHmac, signingKey, tamper, unsigned, type SigningKey } from "../auth/jwt-fixtures.ts";

const ISS = "https://idp.example";
const member = echoUpstream("m1");
const [rsa, ec, ed, rot1, rot2] = await Promise.all([
  signingKey("RS256", "r1"), signingKey("ES256", "e1"), signingKey("EdDSA", "d1"), signingKey("RS256", "rot1"), signingKey("RS256", "rot2"),
]);
// The identity provider's jwks_uri: serves whatever key set the test says, counts fetches.
const idp = { keys: [rot1], fetches: 0 };
const jwksServer = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => (idp.fetches++, Response.json(jwks(...idp.keys))) });
// A key server that accepts connections and never answers.
const hanging = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
let proxy: RunningProxy;

const jwt = { issuer: ISS, audience: "api", claimsToHeaders: { sub: "X-User", scope: "X-Scope" } };
beforeAll(async () => {
  const dir = tempDir();
  writeFile(dir, "jwks.json", JSON.stringify(jwks(rsa, ec, ed)));
  proxy = await startProxy({
    listeners: [{ port: 0 }],
    pools: { app: { members: [{ url: member.url }] } },
    routes: [
      { path: "/api", pool: "app", auth: { jwt: { jwksFile: "jwks.json", ...jwt } } },
      { path: "/rotating", pool: "app", auth: { jwt: { jwksUrl: `http://127.0.0.1:${jwksServer.port}/jwks`, token: "cookie:at" } } },
      { path: "/q", pool: "app", auth: { jwt: { jwksFile: "jwks.json", ...jwt, token: "query:access_token" } } },
      { path: "/open", pool: "app" },
    ],
  }, { dir });
});
afterAll(async () => {
  await proxy?.stop();
  member.stop();
  jwksServer.stop(true);
  hanging.stop(true);
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(proxy.url + path, { headers });
const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
const good = { sub: "alice", scope: "read write", iss: ISS, aud: "api" };

describe("valid tokens reach the member with their claims as headers", () => {
  for (const [name, key] of [["RS256", rsa], ["ES256", ec], ["EdDSA", ed]] as [string, SigningKey][]) {
    test(name, async () => {
      // The client's own X-User / X-Scope are forged claims: they never reach the member.
      const res = await get("/api/me", bearer(await sign(key, good), { "X-User": "mallory", "x-scope": "admin" }));
      expect(res.status).toBe(200);
      const seen = ((await res.json()) as { headers: Record<string, string> }).headers;
      expect(seen["x-user"]).toBe("alice");
      expect(seen["x-scope"]).toBe("read write");
    });
  }

  test("a valid token without a claim still strips the client's copy of its header", async () => {
    const res = await get("/api/me", bearer(await sign(rsa, { iss: ISS, aud: "api" }), { "X-User": "mallory" }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { headers: Record<string, string> }).headers["x-user"]).toBeUndefined();
  });
});

describe("bad tokens get 401 and never reach the member", () => {
  const now = Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<string>, string][] = [
    ["expired", () => sign(rsa, { ...good, exp: now - 3600 }), "expired"],
    ["not yet valid", () => sign(ec, { ...good, nbf: now + 3600 }), "not yet valid"],
    ["wrong issuer", () => sign(rsa, { ...good, iss: "https://evil.example" }), "wrong issuer"],
    ["wrong audience", () => sign(ed, { ...good, aud: "other" }), "wrong audience"],
    ["alg none", async () => unsigned(good), 'algorithm not allowed ("none")'],
    ["HS256 signed with the RSA public key as secret", async () => signHmac(await publicPem(rsa), good), 'algorithm not allowed ("HS256")'],
    ["tampered payload", async () => tamper(await sign(rsa, good), { ...good, sub: "admin" }), "bad signature"],
    ["unknown key", () => sign(rot2, good), 'unknown key (kid "rot2")'],
  ];
  for (const [name, make, reason] of cases) {
    test(name, async () => {
      const token = await make();
      const before = member.seen.length;
      const res = await get(`/api/${name.replace(/\W/g, "-")}`, bearer(token));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="*/api", error="invalid_token"');
      expect(member.seen.length).toBe(before);
      await proxy.waitFor(`401: ${reason}`);
      for (const part of token.split(".").filter(Boolean)) expect(proxy.stderr()).not.toContain(part);
    });
  }

  test("a missing token: the challenge without an error code", async () => {
    const before = member.seen.length;
    const res = await get("/api/x", { authorization: "Basic dXNlcjpwYXNz" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="*/api"');
    expect(member.seen.length).toBe(before);
    await proxy.waitFor("401: no token");
  });
});

/**
 * A raw client that sends an Expect: 100-continue head and its body only once it reads a 100
 * (as curl does); resolves with everything it read when the proxy closes or answers finally.
 */
function expectContinue(path: string, token: string, body: string): Promise<string> {
  const u = new URL(proxy.url);
  return new Promise<string>((resolve) => {
    let buf = "";
    void Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: {
      open(s) { s.write(`POST ${path} HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${token}\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`); },
      data(s, d) {
        buf += d.toString("latin1");
        if (buf === "HTTP/1.1 100 Continue\r\n\r\n") return void s.write(body);
        const final = buf.replace("HTTP/1.1 100 Continue\r\n\r\n", "");
        const head = final.indexOf("\r\n\r\n");
        const length = Number(/content-length: (\d+)/i.exec(final)?.[1] ?? -1);
        if (head > 0 && final.length >= head + 4 + length) s.end();
      },
      close() { resolve(buf); },
    } });
  });
}

describe("Expect: 100-continue on a route with auth: the token is checked before the 100", () => {
  test("a refused token gets its 401 without a 100, so the client never sends the body", async () => {
    const before = member.seen.length;
    const res = await expectContinue("/api/upload", await sign(rot2, good), "x".repeat(100_000));
    expect(res).toStartWith("HTTP/1.1 401 Unauthorized\r\n");
    expect(res).not.toContain("100 Continue");
    expect(res).toContain("connection: close");
    expect(member.seen.length).toBe(before);
    await proxy.waitFor('"POST /api/upload HTTP/1.1" 401');
  });

  test("a valid token gets the 100, then the member's answer to the whole body", async () => {
    const res = await expectContinue("/api/upload", await sign(rsa, good), "y".repeat(100_000));
    expect(res).toStartWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ");
    const echoed = JSON.parse(res.slice(res.lastIndexOf("\r\n\r\n") + 4)) as { bodyLength: number; headers: Record<string, string> };
    expect(echoed.bodyLength).toBe(100_000);
    expect(echoed.headers["x-user"]).toBe("alice");
  });
});

test("a token read from the query is not written to the access log; the rest of the target is", async () => {
  const token = await sign(rsa, good);
  const res = await get(`/q/orders?page=2&access_token=${token}`);
  expect(res.status).toBe(200);
  await proxy.waitFor('"GET /q/orders?page=2&access_token=redacted HTTP/1.1" 200');
  for (const part of token.split(".")) expect(proxy.stdout()).not.toContain(part);
  // A refused token is not logged either.
  const forged = tamper(token, { ...good, sub: "mallory" });
  expect((await get(`/q/orders?access_token=${forged}`)).status).toBe(401);
  await proxy.waitFor('"GET /q/orders?access_token=redacted HTTP/1.1" 401');
  expect(proxy.stdout()).not.toContain(forged.split(".")[1]!);
});

test("a JWKS URL that rotates its key: the new kid passes without a restart", async () => {
  const first = await get("/rotating/a", { cookie: `x=1; at=${await sign(rot1, {})}` });
  expect(first.status).toBe(200);
  const fetchesBefore = idp.fetches;
  idp.keys = [rot1, rot2];
  const rotated = await get("/rotating/b", { cookie: `at=${await sign(rot2, {})}` });
  expect(rotated.status).toBe(200);
  expect(idp.fetches).toBe(fetchesBefore + 1);
  expect(proxy.proc.exitCode).toBeNull();
});

test("a JWKS server that hangs delays no route without auth; its route answers 401 after the 5 s timeout", async () => {
  // A proxy of its own, so the key fetch (started at start-up) is surely still hanging now.
  const p = await startProxy({
    listeners: [{ port: 0 }],
    pools: { app: { members: [{ url: member.url }] } },
    routes: [
      { path: "/hanging", pool: "app", auth: { jwt: { jwksUrl: `http://127.0.0.1:${hanging.port}/jwks` } } },
      { path: "/open", pool: "app" },
    ],
  });
  const t0 = performance.now();
  const token = await sign(rsa, {});
  const pending = fetch(`${p.url}/hanging/x`, { headers: bearer(token) }).then((r) => ({ status: r.status, at: performance.now() - t0 }));
  let settled = false;
  void pending.then(() => (settled = true));
  for (let i = 0; i < 5; i++) {
    expect((await fetch(`${p.url}/open/x`)).status).toBe(200);
    // A POST with a body is the spine's, where the auth check runs: it is not held up either.
    expect((await fetch(`${p.url}/open/x`, { method: "POST", body: "x" })).status).toBe(200);
  }
  expect(settled).toBe(false); // the open routes answered while the key fetch still hung
  const r = await pending;
  expect(r.status).toBe(401);
  expect(r.at).toBeLessThan(15_000);
  await p.waitFor(/401: keys unavailable from http:\/\/127\.0\.0\.1:\d+\/jwks: no answer within 5000 ms/);
  await p.stop();
}, 30_000);

test("bad auth config: every error with its JSON path, nothing bound", async () => {
  const dir = tempDir();
  const file = writeFile(dir, "routes.json", JSON.stringify({
    listeners: [{ port: 0 }], pools: { a: { members: [{ url: member.url }] } },
    routes: [
      { path: "/a", pool: "a", auth: { jwt: { jwksFile: "k.json", jwksUrl: "https://idp/jwks" } } },
      { path: "/b", pool: "a", auth: { jwt: { jwksUrl: "https://idp/jwks", algorithms: ["none", "HS256"], clockSkew: "a bit" } } },
      { path: "/c", pool: "a", auth: { jwt: { secretFile: "missing-secret" } } },
    ],
  }));
  const bad = await runBinary(["check", file]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("routes[0].auth.jwt: give exactly one of jwksFile, jwksUrl, secretFile (got jwksFile, jwksUrl)");
  expect(bad.stderr).toContain('routes[1].auth.jwt.algorithms[0]: "none" is never accepted');
  expect(bad.stderr).toContain("routes[1].auth.jwt.algorithms[1]: HS256 needs a shared secret");
  expect(bad.stderr).toContain("routes[1].auth.jwt.clockSkew:");
  // Files are read once the shape is right: a missing secret is named with its path too.
  writeFile(dir, "routes.json", JSON.stringify({
    listeners: [{ port: 0 }], pools: { a: { members: [{ url: member.url }] } },
    routes: [{ path: "/c", pool: "a", auth: { jwt: { secretFile: "missing-secret" } } }],
  }));
  const missing = await runBinary(["--routes", file]);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain("routes[0].auth.jwt.secretFile: cannot read missing-secret");
  expect(missing.stderr).not.toContain("listening");
});

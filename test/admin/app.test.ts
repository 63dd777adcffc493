import { describe, expect, test } from "bun:test";
import { createAdminApp } from "../../src/admin/app.ts";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { Principal } from "../../src/admin/auth.ts";

const rt = compile(parseConfigText(JSON.stringify({
  listeners: [{ port: 0 }],
  pools: { app: { members: [{ url: "http://127.0.0.1:1", route: "a" }, { url: "http://127.0.0.1:2", route: "b" }] } },
  routes: [{ pool: "app" }],
})), { file: "/tmp/routes.json" });
const tokens: Record<string, Principal> = { w: { sub: "alice", scope: "write" }, r: { sub: "bob", scope: "read" } };
const info = () => ({ version: "t", startedAt: 0, config: { file: "/tmp/routes.json", generation: 1, loadedAt: 0 }, listeners: ["127.0.0.1:80"], generation: 1, reloads: { success: 0, failure: 0 }, connections: new Map() });
const app = createAdminApp({ runtime: () => rt, verify: () => async (t) => tokens[t], info, ready: () => true });
const req = (path: string, init: RequestInit & { tok?: string } = {}) =>
  app.request("http://admin.test" + path, { ...init, headers: { "content-type": "application/json", ...(init.tok ? { authorization: `Bearer ${init.tok}` } : {}), ...(init.headers as Record<string, string> | undefined) } });

describe("admin app", () => {
  test("GET / without a session is the login form", async () => {
    const r = await req("/");
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('name="token"');
  });

  test("PATCH changes the live member; unknown member 404; bad state 400 with its path", async () => {
    const r = await req("/api/v1/pools/app/members/b", { method: "PATCH", body: '{"state":"drain","weight":7}', tok: "w" });
    expect(await r.json()).toMatchObject({ route: "b", state: "drain", weight: 7, configWeight: 1, overridden: true });
    expect(rt.pools.get("app")!.pool.members[1]!.available()).toBe(false);
    expect((await req("/api/v1/pools/app/members/zz", { method: "PATCH", body: '{"state":"drain"}', tok: "w" })).status).toBe(404);
    const bad = await req("/api/v1/pools/app/members/b", { method: "PATCH", body: '{"state":"off"}', tok: "w" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: unknown[] }).issues).toEqual([{ path: "state", message: 'expected "active", "drain" or "disabled"' }]);
    expect((await req("/api/v1/pools/app/members/b", { method: "PATCH", body: "{}", tok: "w" })).status).toBe(400);
    const reset = await req("/api/v1/pools/app/members/b/override", { method: "DELETE", tok: "w" });
    expect(await reset.json()).toMatchObject({ state: "active", weight: 1, overridden: false });
  });

  test("reload without an implementation is 501; with one, 200 or 422 with its errors", async () => {
    expect((await req("/api/v1/reload", { method: "POST", tok: "w" })).status).toBe(501);
    const withReload = createAdminApp({ runtime: () => rt, verify: () => async (t) => tokens[t], info, ready: () => false, reload: async () => ({ errors: ["pools.x: bad"] }) });
    const r = await withReload.request("http://admin.test/api/v1/reload", { method: "POST", headers: { authorization: "Bearer w" } });
    expect(r.status).toBe(422);
    expect(await r.json()).toEqual({ errors: ["pools.x: bad"] });
    expect((await withReload.request("http://admin.test/readyz")).status).toBe(503);
  });

  test("a body that is not JSON, an array or an unknown field is 400 with issues naming it: never a 500", async () => {
    const path = "/api/v1/pools/app/members/a";
    for (const [body, what] of [["{", "not JSON"], ["", "empty"], ["state=drain", "not JSON"]] as const) {
      const r = await req(path, { method: "PATCH", body, tok: "w" });
      const message = `${what}; send a JSON object such as {"state":"drain"}`;
      expect([r.status, await r.json()]).toEqual([400, { error: `invalid body: ${message}`, issues: [{ path: "", message }] }]);
    }
    const unknown = await req(path, { method: "PATCH", body: '{"status":"drain"}', tok: "w" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { issues: unknown[] }).issues).toContainEqual({ path: "status", message: 'unknown field "status": a member takes state and weight' });
    for (const body of ["[]", '[{"state":"drain"}]']) {
      const r = await req(path, { method: "PATCH", body, tok: "w" });
      expect([r.status, ((await r.json()) as { error: string }).error]).toEqual([400, 'invalid body: expected a JSON object such as {"state":"drain"}, not an array']);
    }
    expect(rt.pools.get("app")!.pool.members[0]!.state).toBe("active");
  });

  test("a JSON body sent without Content-Type: application/json (curl -d sends a form type) is read as JSON", async () => {
    const path = "/api/v1/pools/app/members/a";
    for (const headers of [{ "content-type": "application/x-www-form-urlencoded" }, { "content-type": "text/plain" }]) {
      const r = await req(path, { method: "PATCH", body: '{"weight":7}', tok: "w", headers });
      expect([r.status, ((await r.json()) as { weight: number }).weight]).toEqual([200, 7]);
    }
    await req(`${path}/override`, { method: "DELETE", tok: "w" });
    expect(rt.pools.get("app")!.pool.members[0]!.weight).toBe(1);
  });

  test("a known path asked with another method is 405 with Allow; an unknown path 404", async () => {
    for (const [method, path, allow] of [["PUT", "/api/v1/pools/app/members/a", "PATCH"], ["GET", "/api/v1/reload", "POST"], ["DELETE", "/metrics", "GET, HEAD"], ["GET", "/api/v1/pools/app/members/a/override", "DELETE"]] as const) {
      const r = await req(path, { method, tok: "w" });
      expect([method, path, r.status, r.headers.get("allow")]).toEqual([method, path, 405, allow]);
    }
    expect((await req("/api/v1/nothing", { tok: "w" })).status).toBe(404);
  });

  test("the endpoints that need no token answer another method with 405 and Allow without a token, not 401", async () => {
    for (const [method, path, allow] of [["POST", "/healthz", "GET, HEAD"], ["DELETE", "/readyz", "GET, HEAD"], ["GET", "/login", "POST"], ["PUT", "/logout", "POST"]] as const) {
      const r = await req(path, { method });
      expect([method, path, r.status, r.headers.get("allow")]).toEqual([method, path, 405, allow]);
    }
    expect((await req("/healthz", { method: "HEAD" })).status).toBe(200);
  });

  test("a method no endpoint takes is 405 or 404 for a read token and without admin.auth too, never a 403 asking for write scope", async () => {
    const open = createAdminApp({ runtime: () => rt, verify: () => undefined, info, ready: () => true });
    const ask = (a: typeof app, method: string, path: string, tok?: string) => a.request(`http://127.0.0.1${path}`, { method, headers: { host: "127.0.0.1", ...(tok ? { authorization: `Bearer ${tok}` } : {}) } });
    for (const [a, tok] of [[app, "r"], [open, undefined]] as const) {
      for (const [method, path, status] of [["POST", "/api/v1/status", 405], ["OPTIONS", "/api/v1/pools", 405], ["DELETE", "/metrics", 405], ["POST", "/no/such/endpoint", 404]] as const) {
        const r = await ask(a, method, path, tok);
        expect([tok ?? "no auth", method, path, r.status]).toEqual([tok ?? "no auth", method, path, status]);
      }
    }
    // A real write still needs its scope.
    expect((await ask(app, "POST", "/api/v1/reload", "r")).status).toBe(403);
    expect((await ask(open, "POST", "/api/v1/reload")).status).toBe(403);
  });

  test("a login form that cannot be read is 400 with the login page, not a 500", async () => {
    const r = await app.request("http://admin.test/login", { method: "POST", body: "--x\r\nbroken", headers: { "content-type": "multipart/form-data; boundary=zz" } });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain("the form could not be read");
  });

  test("without admin.auth, only a loopback Host is answered: a rebinding name pointed at 127.0.0.1 gets 403", async () => {
    const open = createAdminApp({ runtime: () => rt, verify: () => undefined, info, ready: () => true });
    const get = (host: string) => open.request("http://admin.test/api/v1/pools", { headers: { host } });
    for (const host of ["127.0.0.1:9090", "localhost", "LOCALHOST:9090", "[::1]:9090", "127.1.2.3"]) expect([host, (await get(host)).status]).toEqual([host, 200]);
    for (const host of ["evil.example:9090", "127.0.0.1.evil.example", "[::2]:9090"]) {
      const r = await get(host);
      expect([host, r.status, ((await r.json()) as { error: string }).error]).toEqual([host, 403, "without admin.auth the admin answers only Host: localhost or a loopback address"]);
    }
    expect((await open.request("http://admin.test/healthz", { headers: { host: "evil.example" } })).status).toBe(200);
  });

  test("no other site may frame any admin answer, the login form included", async () => {
    for (const path of ["/", "/api/v1/status", "/healthz", "/nothing"]) {
      const r = await req(path, { tok: "r" });
      expect([path, r.headers.get("x-frame-options"), r.headers.get("content-security-policy")]).toEqual([path, "DENY", "frame-ancestors 'none'"]);
    }
  });

  test("a login posted from another site is refused (login CSRF); from the page's own origin it goes through", async () => {
    const login = (origin?: string) => app.request("http://admin.test/login", { method: "POST", body: new URLSearchParams({ token: "w" }), headers: origin ? { origin } : {} });
    const foreign = await login("http://evil.example");
    expect([foreign.status, foreign.headers.get("set-cookie")]).toEqual([403, null]);
    expect(await foreign.text()).toContain("log in from this page, not from another site");
    for (const ok of [await login("http://admin.test"), await login()]) {
      expect(ok.status).toBe(303);
      expect(ok.headers.get("set-cookie")).toContain("HttpOnly");
    }
  });

  test("a refused bearer token gets error=\"invalid_token\" (RFC 6750 3.1); no token gets the bare challenge", async () => {
    const bad = await req("/api/v1/status", { tok: "forged" });
    expect([bad.status, bad.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="edge-proxy admin", error="invalid_token"']);
    expect(((await bad.json()) as { error: string }).error).toStartWith("that token is not valid");
    const none = await req("/api/v1/status");
    expect([none.status, none.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="edge-proxy admin"']);
  });

  test("a session's page offers Log out, which clears the cookie and goes back to the login form; another site cannot log the browser out", async () => {
    const cookie = { cookie: "edge_proxy_admin=w" };
    expect(await (await req("/", { headers: cookie })).text()).toContain('action="/logout"');
    expect(await (await req("/", { tok: "w" })).text()).not.toContain('action="/logout"'); // a bearer client has no session
    const out = await app.request("http://admin.test/logout", { method: "POST", headers: { ...cookie, origin: "http://admin.test" } });
    expect([out.status, out.headers.get("location")]).toEqual([303, "/"]);
    expect(out.headers.get("set-cookie")).toMatch(/^edge_proxy_admin=; Max-Age=0; Path=\//);
    const foreign = await app.request("http://admin.test/logout", { method: "POST", headers: { ...cookie, origin: "http://evil.example" } });
    expect([foreign.status, foreign.headers.get("set-cookie")]).toEqual([403, null]);
    const r = await req("/logout", { tok: "w" });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("POST");
  });
});

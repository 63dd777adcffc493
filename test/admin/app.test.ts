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
const app = createAdminApp({ runtime: () => rt, verify: async (t) => tokens[t], info, ready: () => true });
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
    const withReload = createAdminApp({ runtime: () => rt, verify: async (t) => tokens[t], info, ready: () => false, reload: async () => ({ errors: ["pools.x: bad"] }) });
    const r = await withReload.request("http://admin.test/api/v1/reload", { method: "POST", headers: { authorization: "Bearer w" } });
    expect(r.status).toBe(422);
    expect(await r.json()).toEqual({ errors: ["pools.x: bad"] });
    expect((await withReload.request("http://admin.test/readyz")).status).toBe(503);
  });
});

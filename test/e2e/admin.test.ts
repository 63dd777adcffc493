/** The admin listener on the compiled binary: API shapes, auth, live member changes, persistence, metrics. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { echoUpstream, runBinary, tempDir, writeFile } from "./harness.ts";
import { adminProxy, token } from "./admin-harness.ts";

const names = async (url: string, n: number, headers: Record<string, string> = {}) => {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) seen.push(((await (await fetch(url, { headers })).json()) as { name: string }).name);
  return seen;
};

describe("admin API", () => {
  const ups = [echoUpstream("n1"), echoUpstream("n2")];
  let ctx: Awaited<ReturnType<typeof adminProxy>>;
  let write: string, read: string;
  beforeAll(async () => {
    ctx = await adminProxy(ups, { sticky: true });
    write = await token(ctx.dir, "write");
    read = await token(ctx.dir, "read", "bob");
  });
  afterAll(async () => { await ctx.p.stop(); for (const u of ups) u.stop(); });
  const api = (path: string, init: RequestInit & { tok?: string } = {}) =>
    fetch(ctx.admin + path, { ...init, headers: { ...(init.tok ? { authorization: `Bearer ${init.tok}` } : {}), "content-type": "application/json", ...(init.headers as Record<string, string> ?? {}) } });

  test("a body over 64 KiB is a 413 with a JSON error, with a token or without, and the member is unchanged", async () => {
    const big = JSON.stringify({ state: "disabled", pad: "x".repeat(200_000) });
    for (const tok of [write, undefined]) {
      const res = await api("/api/v1/pools/app/members/n1", { method: "PATCH", tok, body: big });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toContain("admin requests take at most 65536");
    }
    const pool = (await (await api("/api/v1/pools/app", { tok: read })).json()) as { members: { route: string; state: string }[] };
    expect(pool.members.find((m) => m.route === "n1")!.state).toBe("active");
  });

  test("status, pools and one pool have the contract's shapes", async () => {
    await names(ctx.p.url + "/", 4);
    const s = await (await api("/api/v1/status", { tok: read })).json() as any;
    expect(Object.keys(s).sort()).toEqual(["config", "listeners", "pools", "routes", "startedAt", "version"]);
    expect(s.config.generation).toBe(1);
    const pool = (await (await api("/api/v1/pools/app", { tok: read })).json()) as any;
    expect(pool).toMatchObject({ name: "app", method: "byrequests", sticky: true });
    const m = pool.members[0];
    expect(Object.keys(m).sort()).toEqual(["bytesIn", "bytesOut", "configState", "configWeight", "errors", "health", "inFlight", "latency", "overridden", "requests", "route", "standby", "state", "url", "weight"].sort());
    expect(m).toMatchObject({ route: "n1", url: ups[0]!.url, weight: 1, state: "active", overridden: false, health: { status: "up", until: null } });
    expect(pool.members[0].requests + pool.members[1].requests).toBe(4);
    expect(Object.keys(await (await api("/api/v1/pools", { tok: read })).json() as object)).toEqual(["app"]);
    const missing = await api("/api/v1/pools/nope", { tok: read });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error).toContain("nope");
  });

  test("healthz and readyz need no token; everything else does", async () => {
    expect(await (await fetch(ctx.admin + "/healthz")).text()).toBe("ok");
    expect((await fetch(ctx.admin + "/readyz")).status).toBe(200);
    const r = await fetch(ctx.admin + "/api/v1/status");
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toStartWith("Bearer");
  });

  test("write without token 401, with a read token 403, bad body 400 with issues", async () => {
    expect((await api("/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain"}' })).status).toBe(401);
    expect((await api("/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain"}', tok: read })).status).toBe(403);
    const bad = await api("/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"weight":0}', tok: write });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as any;
    expect(body.issues[0]).toEqual({ path: "weight", message: "a weight is 1..100" });
  });

  test("a cookie session write needs a matching Origin", async () => {
    const login = await fetch(ctx.admin + "/login", { method: "POST", body: new URLSearchParams({ token: write }), redirect: "manual" });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    const session = cookie.split(";")[0]!;
    const patch = (origin?: string) => fetch(ctx.admin + "/api/v1/pools/app/members/n2", { method: "PATCH", body: '{"weight":2}', headers: { cookie: session, "content-type": "application/json", ...(origin ? { origin } : {}) } });
    expect((await patch("http://evil.example")).status).toBe(403);
    expect((await patch()).status).toBe(403);
    expect((await patch(ctx.admin)).status).toBe(200);
    expect((await api("/api/v1/pools/app/members/n2/override", { method: "DELETE", tok: write })).status).toBe(200);
  });

  test("drain: new requests avoid the member, its sticky sessions stay; enable brings it back", async () => {
    // A session on n1.
    let jar = "";
    for (let i = 0; i < 4 && !jar; i++) {
      const r = await fetch(ctx.p.url + "/");
      const body = (await r.json()) as { name: string };
      if (body.name === "n1") jar = r.headers.get("set-cookie")!.split(";")[0]!;
    }
    expect(jar).toContain("JSESSIONID=");
    const r = await api("/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain"}', tok: write });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any)).toMatchObject({ state: "drain", configState: "active", overridden: true });
    expect(new Set(await names(ctx.p.url + "/", 6))).toEqual(new Set(["n2"]));
    expect(new Set(await names(ctx.p.url + "/", 3, { cookie: jar }))).toEqual(new Set(["n1"]));
    await api("/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"disabled"}', tok: write });
    expect(new Set(await names(ctx.p.url + "/", 3, { cookie: jar }))).toEqual(new Set(["n2"]));
    await api("/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"active"}', tok: write });
    expect(new Set(await names(ctx.p.url + "/", 4))).toEqual(new Set(["n1", "n2"]));
    expect(ctx.p.stderr()).toMatch(/admin: alice set pool=app member=\S+ state drain -> disabled/);
  });

  test("a weight change is visible in the spread", async () => {
    await api("/api/v1/pools/app/members/n2", { method: "PATCH", body: '{"weight":3}', tok: write });
    const seen = await names(ctx.p.url + "/", 8);
    expect(seen.filter((n) => n === "n2").length).toBe(6);
    await api("/api/v1/pools/app/members/n2/override", { method: "DELETE", tok: write });
    const even = await names(ctx.p.url + "/", 8);
    expect(even.filter((n) => n === "n2").length).toBe(4);
  });

  test("POST /api/v1/reload reloads routes.json: 200 with the generation, 422 with every error and the running config kept", async () => {
    const file = `${ctx.dir}/routes.json`;
    const good = readFileSync(file, "utf8");
    const ok = await api("/api/v1/reload", { method: "POST", tok: write });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ generation: 2 });
    writeFileSync(file, good.replace('"pool": "app"', '"pool": "nope"'));
    const bad = await api("/api/v1/reload", { method: "POST", tok: write });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: string[] }).errors).toContain('routes[0].pool: no pool named "nope" (pools: app)');
    writeFileSync(file, good);
    expect((await fetch(ctx.p.url + "/")).status).toBe(200);
    const status = (await (await api("/api/v1/status", { tok: read })).json()) as { config: { generation: number } };
    expect(status.config.generation).toBe(2);
    const metrics = await (await api("/metrics", { tok: read })).text();
    expect(metrics).toContain('edge_proxy_config_reloads_total{result="success"} 1');
    expect(metrics).toContain('edge_proxy_config_reloads_total{result="failure"} 1');
    expect(metrics).toMatch(/^edge_proxy_config_generation 2$/m);
    expect((await api("/api/v1/reload", { method: "POST", tok: read })).status).toBe(403);
  });
});

describe("admin without auth and at load", () => {
  test("loopback without auth: reads served, writes 403 saying how to configure admin.auth", async () => {
    const up = echoUpstream("n1");
    const ctx = await adminProxy([up], { auth: false });
    try {
      expect((await fetch(ctx.admin + "/api/v1/pools")).status).toBe(200);
      const w = await fetch(ctx.admin + "/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain"}', headers: { "content-type": "application/json" } });
      expect(w.status).toBe(403);
      expect(((await w.json()) as any).error).toContain("admin.auth");
    } finally { await ctx.p.stop(); up.stop(); }
  });

  test("a non-loopback admin without auth is refused at load", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "routes.json", JSON.stringify({ listeners: [{ port: 0 }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ pool: "a" }], admin: { listen: "0.0.0.0:9090" } }));
    const r = await runBinary(["--routes", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("admin.auth: required when admin.listen is not a loopback address");
  });

  test("proxy check reads the admin secret: a short one is an error naming the file", async () => {
    const dir = tempDir();
    writeFile(dir, "admin.secret", "short\n");
    const file = writeFile(dir, "routes.json", JSON.stringify({ listeners: [{ port: 0 }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ pool: "a" }], admin: { auth: { secretFile: "admin.secret" } } }));
    const r = await runBinary(["check", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("admin.secret: an admin secret needs at least 32 bytes, this one has 5");
  });

  test("runtime state survives a restart", async () => {
    const ups = [echoUpstream("n1"), echoUpstream("n2")];
    const dir = tempDir();
    let ctx = await adminProxy(ups, { dir });
    const write = await token(dir, "write");
    await fetch(ctx.admin + "/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain","weight":5}', headers: { authorization: `Bearer ${write}`, "content-type": "application/json" } });
    await ctx.p.stop();
    ctx = await adminProxy(ups, { dir });
    try {
      const m = ((await (await fetch(ctx.admin + "/api/v1/pools/app", { headers: { authorization: `Bearer ${write}` } })).json()) as any).members[0];
      expect(m).toMatchObject({ state: "drain", weight: 5, overridden: true });
      expect(new Set(await names(ctx.p.url + "/", 4))).toEqual(new Set(["n2"]));
    } finally { await ctx.p.stop(); for (const u of ups) u.stop(); }
  });
});

describe("admin across a reload", () => {
  test("a rotated admin secret takes effect at reload: old tokens 401, new ones served; a short one refuses the reload", async () => {
    const up = echoUpstream("n1");
    const ctx = await adminProxy([up]);
    try {
      const old = await token(ctx.dir, "read");
      const status = (tok: string) => fetch(ctx.admin + "/api/v1/status", { headers: { authorization: `Bearer ${tok}` } }).then((r) => r.status);
      expect(await status(old)).toBe(200);
      writeFile(ctx.dir, "admin.secret", "a-new-secret-of-at-least-32-bytes-0123456789\n");
      ctx.p.proc.kill("SIGHUP");
      await ctx.p.waitFor("generation 2");
      expect(await status(old)).toBe(401);
      const fresh = await token(ctx.dir, "read");
      expect(await status(fresh)).toBe(200);
      writeFile(ctx.dir, "admin.secret", "short\n");
      ctx.p.proc.kill("SIGHUP");
      await ctx.p.waitFor("still serving generation 2");
      expect(ctx.p.stderr()).toContain("admin.auth.secretFile: ");
      expect(ctx.p.stderr()).toContain("an admin secret needs at least 32 bytes, this one has 5");
      expect(await status(fresh)).toBe(200);
    } finally { await ctx.p.stop(); up.stop(); }
  });

  test("a member removed from routes.json while the proxy was stopped loses its saved override: added back, it is active", async () => {
    const ups = [echoUpstream("n1"), echoUpstream("n2")];
    const first = await adminProxy(ups);
    const dir = first.dir;
    const write = await token(dir, "write");
    const api = (ctx: { admin: string }, path: string, init: RequestInit = {}) => fetch(ctx.admin + path, { ...init, headers: { authorization: `Bearer ${write}`, "content-type": "application/json" } });
    try {
      expect((await api(first, "/api/v1/pools/app/members/n2", { method: "PATCH", body: JSON.stringify({ state: "disabled" }) })).status).toBe(200);
    } finally { await first.p.stop(); }
    const second = await adminProxy([ups[0]!], { dir }); // n2 gone from routes.json
    try {
      expect(second.p.stderr()).toContain(`member=${ups[1]!.url}/ is not in routes.json: its saved runtime override is dropped`);
      const file = `${dir}/routes.json`;
      const cfg = JSON.parse(readFileSync(file, "utf8"));
      cfg.pools.app.members.push({ url: ups[1]!.url, route: "n2" });
      writeFileSync(file, JSON.stringify(cfg));
      second.p.proc.kill("SIGHUP");
      await second.p.waitFor("generation 2");
      const pool = (await (await api(second, "/api/v1/pools/app")).json()) as { members: { route: string; state: string; overridden: boolean }[] };
      expect(pool.members.find((m) => m.route === "n2")).toMatchObject({ state: "active", overridden: false });
    } finally { await second.p.stop(); for (const u of ups) u.stop(); }
  });

  test("a changed admin.listen is logged as waiting for a restart; the admin stays where it is", async () => {
    const up = echoUpstream("n1");
    const ctx = await adminProxy([up]);
    try {
      const file = `${ctx.dir}/routes.json`;
      const cfg = JSON.parse(readFileSync(file, "utf8"));
      const was = cfg.admin.listen;
      cfg.admin.listen = "127.0.0.1:1";
      writeFileSync(file, JSON.stringify(cfg));
      ctx.p.proc.kill("SIGHUP");
      await ctx.p.waitFor("generation 2");
      expect(ctx.p.stderr()).toContain(`admin.listen changed from ${was} to 127.0.0.1:1: takes effect at the next restart`);
      expect((await fetch(ctx.admin + "/healthz")).status).toBe(200);
    } finally { await ctx.p.stop(); up.stop(); }
  });
});

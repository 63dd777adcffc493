import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runBinary, tempDir, writeFile } from "./harness.ts";

describe("configuration errors: all at once, with paths, before binding", () => {
  test("a routes.json with an error in every section lists every error and exits non-zero", async () => {
    const dir = tempDir();
    // Port 1 would need root to bind on most systems: proof that nothing was bound is that
    // the process exits with the config errors, never a bind error.
    const file = writeFile(dir, "routes.json", JSON.stringify({
      listeners: [{ port: 70000, hots: "x" }],
      pools: { api: { members: [{ url: "htp://x", weight: 0 }], method: "roundrobin", health: { passive: { window: "10 seconds" } } } },
      routes: [{ path: "api", pool: "api", maxBodySize: "lots" }],
      accessLog: { format: "common" },
      trustedProxies: 5,
      extra: true,
    }));
    const { code, stderr } = await runBinary(["--routes", file]);
    expect(code).not.toBe(0);
    for (const path of [
      "listeners[0].port", "listeners[0].hots", "pools.api.members[0].url", "pools.api.members[0].weight",
      "pools.api.method", "pools.api.health.passive.window", "routes[0].path", "routes[0].maxBodySize",
      "accessLog.format", "trustedProxies", "extra",
    ]) expect(stderr).toContain(`${path}:`);
    expect(stderr).toContain('"htp://x" is not an http(s) URL');
    expect(stderr).not.toContain("listening");
  });

  test("a start that fails names every file that failed, as check does: a pool's CA and a listener's certificate; with --workers too, once, before any worker starts", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "routes.json", JSON.stringify({
      listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "missing.crt", key: "missing.key" }] } }],
      pools: { a: { members: [{ url: "https://127.0.0.1:1" }], tls: { ca: "missing-ca.pem" } } },
      routes: [{ path: "/", pool: "a" }],
    }));
    for (const args of [["--routes", file], ["--routes", file, "--workers", "2"]]) {
      const { code, stderr } = await runBinary(args);
      expect(code).toBe(1);
      expect([...stderr.matchAll(/^  (\S+): /gm)].map((m) => m[1])).toEqual(["pools.a.tls.ca", "listeners[0].tls.certificates[0].cert"]);
      expect(stderr).not.toContain("worker 0 started");
    }
    // Only the listener's certificate wrong: a worker would fail at it, so the supervisor refuses first.
    const only = writeFile(dir, "only-tls.json", JSON.stringify({
      listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "missing.crt", key: "missing.key" }] } }],
      pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } },
      routes: [{ path: "/", pool: "a" }],
    }));
    const workers = await runBinary(["--routes", only, "--workers", "2"]);
    expect(workers.code).toBe(1);
    expect(workers.stderr).toContain("listeners[0].tls.certificates[0].cert: cannot read missing.crt");
    expect(workers.stderr).not.toContain("worker 0 started");
  }, 30_000);

  test("an admin port in use stops the start before any data port is bound, named at admin.listen", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const dir = tempDir();
      const file = writeFile(dir, "routes.json", JSON.stringify({
        listeners: [{ port: 0, host: "127.0.0.1" }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ path: "/", pool: "a" }],
        admin: { listen: `127.0.0.1:${holder.port}` },
      }));
      const { code, stderr } = await runBinary(["--routes", file]);
      expect(code).toBe(1);
      expect(stderr).toContain(`admin.listen: ${holder.port} is in use (on 127.0.0.1)`);
      expect(stderr).not.toContain("listening on");
    } finally { holder.stop(true); }
  });

  test("an admin secret that cannot be used stops the start before any port is bound, named at admin.auth.secretFile", async () => {
    const dir = tempDir();
    writeFile(dir, "admin.secret", "short\n");
    const file = writeFile(dir, "routes.json", JSON.stringify({
      listeners: [{ port: 0, host: "127.0.0.1" }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ path: "/", pool: "a" }],
      admin: { listen: "127.0.0.1:0", auth: { secretFile: "admin.secret" } },
    }));
    const { code, stderr } = await runBinary(["--routes", file]);
    expect(code).toBe(1);
    expect(stderr).toContain("admin.auth.secretFile: ");
    expect(stderr).toContain("an admin secret needs at least 32 bytes, this one has 5");
    expect(stderr).not.toContain("listening on");
  });

  test("cross-field errors name the path and the fix", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "routes.json", JSON.stringify({
      listeners: [{ port: 0 }],
      pools: { a: { members: [{ url: "http://127.0.0.1:1", route: "n1" }, { url: "http://127.0.0.1:2", route: "n1" }] } },
      routes: [{ path: "/", pool: "b" }, { path: "/x", pool: "a", respond: { status: 200 } }],
    }));
    const { code, stderr } = await runBinary(["check", file]);
    expect(code).toBe(1);
    expect(stderr).toContain('routes[0].pool: no pool named "b" (pools: a)');
    expect(stderr).toContain("routes[1]: give exactly one of pool, respond, redirect");
    expect(stderr).toContain("pools.a.members[1].route");
  });

  test("check prints a summary and exits 0 for the shipped example", async () => {
    const { code, stdout } = await runBinary(["check", join(import.meta.dir, "../../examples/routes.json")]);
    expect(code).toBe(0);
    expect(stdout).toContain("pool app (byrequests)");
    expect(stdout).toContain("configuration is valid");
  });

  test("check warns about the seeds' Header edit trap that turns https:// into httpss://", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "routes.json", JSON.stringify({
      listeners: [{ port: 0 }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } },
      routes: [{ path: "/", pool: "a", responseHeaders: { edit: [{ name: "Location", match: "^http", replace: "https" }] } }],
    }));
    const { code, stderr } = await runBinary(["check", file]);
    expect(code).toBe(0);
    expect(stderr).toContain("routes[0].responseHeaders.edit[0]");
    expect(stderr).toContain("httpss://");
  });

  test("invalid JSON and a missing file are clear errors", async () => {
    const dir = tempDir();
    const bad = writeFile(dir, "routes.json", "{ listeners: [");
    const r1 = await runBinary(["check", bad]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain("not valid JSON");
    const r2 = await runBinary(["--routes", join(dir, "nope.json")]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("file not found");
  });

  test("--version and --help", async () => {
    expect((await runBinary(["--version"])).stdout).toMatch(/^edge-proxy \d+\.\d+\.\d+/);
    const help = await runBinary(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("proxy check routes.json");
  });
});

describe("access log to a file", () => {
  test("combined lines are appended to accessLog.path", async () => {
    const { startProxy, echoUpstream } = await import("./harness.ts");
    const up = echoUpstream("u");
    const dir = tempDir();
    writeFile(dir, "access.log", "earlier line\n");
    const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: up.url }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { format: "combined", path: "access.log" } }, { dir });
    try {
      await (await fetch(p.url + "/logged?q=1", { headers: { "user-agent": 'say "hi"' } })).text();
    } finally { await p.stop(); up.stop(); }
    const text = await Bun.file(join(dir, "access.log")).text();
    expect(text.startsWith("earlier line\n")).toBe(true); // appended, never truncated
    expect(text).toMatch(/^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/logged\?q=1 HTTP\/1\.1" 200 \d+ "-" "say \\"hi\\"" route="\*\/" pool=u member=http:\/\/127\.0\.0\.1:\d+ dur=\d+\.\d{3}$/m);
  });
});

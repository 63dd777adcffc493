import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BINARY, closedPort, startProxy, tempDir, writeFile } from "./harness.ts";
import { token } from "./admin-harness.ts";

const root = process.getuid?.() === 0;
/** A port below 1024 nothing listens on (the tests run as root here). */
function lowPort(): number {
  for (let p = 900; p < 1000; p++) {
    try {
      Bun.serve({ port: p, hostname: "127.0.0.1", fetch: () => new Response("") }).stop(true);
      return p;
    } catch {}
  }
  return closedPort();
}
const uidOf = async (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(await Bun.file(`/proc/${pid}/status`).text())![1]);
const cfg = (port: number) => ({ listeners: [{ port, host: "127.0.0.1" }], pools: {}, routes: [{ path: "/", respond: { status: 200, body: "hi" } }], accessLog: { format: "combined", path: "/dev/null" } });

describe.if(root)("--user", () => {
  test("binds a port below 1024 as root, then runs as nobody", async () => {
    const port = lowPort();
    const p = await startProxy(cfg(port), { args: ["--user", "nobody"] });
    await p.waitFor("running as nobody");
    expect(await uidOf(p.proc.pid)).toBe(65534);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("hi");
    await p.stop();
  });

  test("the admin listener starts before root is dropped (its 0600 secret read as root), and a drain is saved in dataDir, given to the user", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    chmodSync(writeFile(dir, "admin.secret", "0123456789abcdef0123456789abcdef-test\n"), 0o600);
    const member = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("m") });
    const adminPort = closedPort();
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }], pools: { app: { members: [{ url: `http://127.0.0.1:${member.port}`, route: "n1" }] } },
      routes: [{ path: "/", pool: "app" }], accessLog: { path: "/dev/null" },
      admin: { listen: `127.0.0.1:${adminPort}`, auth: { secretFile: "admin.secret" } },
    }, { dir, args: ["--user", "nobody"] });
    try {
      await p.waitFor("running as nobody");
      const res = await fetch(`http://127.0.0.1:${adminPort}/api/v1/pools/app/members/n1`, {
        method: "PATCH", headers: { authorization: `Bearer ${await token(dir, "write")}`, "content-type": "application/json" }, body: JSON.stringify({ state: "drain" }),
      });
      expect(res.status).toBe(200);
      expect(statSync(join(dir, "proxy-data")).uid).toBe(65534);
      expect(JSON.parse(readFileSync(join(dir, "proxy-data", "runtime-state.json"), "utf8"))).toMatchObject({ overrides: { app: { [`http://127.0.0.1:${member.port}/`]: { state: { value: "drain" } } } } });
      expect(p.stderr()).not.toContain("cannot save");
    } finally {
      await p.stop();
      member.stop(true);
    }
  });

  test("a non-root process refused a low port is told the three ways out", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    writeFile(dir, "routes.json", JSON.stringify(cfg(lowPort())));
    const proc = Bun.spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BINARY, "--routes", join(dir, "routes.json")], { stderr: "pipe", stdout: "ignore" });
    const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).not.toBe(0);
    expect(err).toContain("--user");
    expect(err).toContain("cap_net_bind_service");
    expect(err).toContain("AmbientCapabilities=CAP_NET_BIND_SERVICE");
  });
});

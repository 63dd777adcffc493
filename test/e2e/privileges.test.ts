import { describe, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { BINARY, closedPort, startProxy, tempDir, writeFile } from "./harness.ts";

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

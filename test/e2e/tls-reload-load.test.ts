// Certificate reloads under HTTPS load: the TLS listener swaps certificates in place, so
// neither keep-alive requests nor new connections are reset by a SIGHUP.
import { afterAll, expect, test } from "bun:test";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { echoUpstream, startProxy, tempDir, writeFile } from "./harness.ts";
import { servedSubject } from "./tls-harness.ts";

const echo = echoUpstream("plain");
afterAll(() => echo.stop());

test("10 SIGHUPs under keep-alive and new-connection HTTPS load reset nothing", async () => {
  const dir = tempDir();
  const ca = await createCA({ cn: "Load CA" });
  const issue = async (cn: string) => {
    const c = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn, sans: ["app.example.com"] });
    writeFile(dir, "app.crt", c.certPem);
    writeFile(dir, "app.key", c.keyPem);
  };
  await issue("gen-0");
  const proxy = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "app.crt", key: "app.key" }] } }],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: [{ path: "/", pool: "plain" }],
  }, { dir });
  const port = Number(new URL(proxy.url).port);
  const tls = { ca: ca.certPem, serverName: "app.example.com" };
  let running = true;
  const failures: string[] = [];
  let ok = 0;
  const loop = async (keepalive: boolean) => {
    while (running) {
      try {
        const r = await fetch(`https://127.0.0.1:${port}/x`, { tls, keepalive });
        await r.text();
        if (r.status === 200) ok++;
        else failures.push(`status ${r.status}`);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  try {
    const loops = [loop(true), loop(true), loop(true), loop(false), loop(false)];
    for (let n = 1; n <= 10; n++) {
      await issue(`gen-${n}`);
      proxy.proc.kill("SIGHUP");
      await proxy.waitFor(new RegExp(`(certificates reloaded[\\s\\S]*){${n}}`));
    }
    expect(await servedSubject(port, "app.example.com")).toBe("subject=CN = gen-10");
    running = false;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(10);
  } finally {
    running = false;
    await proxy.stop();
  }
}, 60_000);

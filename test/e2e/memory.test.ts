/**
 * A serving proxy holds no start-up pages: once listening, the executable's pages that only
 * loading the config read go back to the kernel (cli/startup-pages.ts), and the proxy serves
 * on, over plain HTTP and TLS, with the pages it needs read back as it goes.
 */
import { expect, test } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, echoUpstream, startProxy, tempDir } from "./harness.ts";
import { binaryCerts, curlTls } from "./tls-harness.ts";

const fileKb = (pid: number) => Number(/RssFile:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);

test.skipIf(process.platform !== "linux")("after start the executable's start-up pages are given back, and plain and TLS requests are served after it", async () => {
  const echo = echoUpstream("mem");
  const dir = tempDir();
  await binaryCerts(dir, "app.example.com", "app.example.com");
  // A copy of its own: the kernel keeps pages another process maps, such as another test's proxy.
  const binary = join(dir, "proxy");
  copyFileSync(BINARY, binary);
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }, { port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "app.example.com.crt", key: "app.example.com.key" }] } }],
    pools: { u: { members: [{ url: echo.url }] } },
    routes: [{ path: "/", pool: "u" }],
    eventLog: { level: "debug" },
    accessLog: { path: "/dev/null" },
  }, { dir, binary });
  try {
    const before = fileKb(p.proc.pid);
    await p.waitFor(/start-up over: [\d.]+ MB of the executable's pages given back to the kernel/);
    const after = fileKb(p.proc.pid);
    expect(before - after).toBeGreaterThan(10_000);
    expect((await fetch(`${p.urls[0]}/plain`)).status).toBe(200);
    const tls = await curlTls(`https://app.example.com:${new URL(p.urls[1]!).port}/tls`, join(dir, "ca.crt"));
    expect([tls.status, JSON.parse(tls.body).path]).toEqual([200, "/tls"]);
  } finally {
    await p.stop();
    echo.stop();
  }
});

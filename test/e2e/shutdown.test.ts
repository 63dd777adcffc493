import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, startProxy, tempDir, writeFile } from "./harness.ts";

describe("SIGTERM: graceful, then bounded", () => {
  test("an in-flight request finishes; a stream that never ends is cut after shutdownTimeout", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const slowArrived = new Promise<void>((r) => (arrived = r));
    const up = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, async fetch(req) {
      if (new URL(req.url).pathname === "/slow") { arrived(); await gate; return new Response("finished"); }
      return new Response(new ReadableStream({ pull: (c) => { c.enqueue(new Uint8Array(1024)); return Bun.sleep(20); } }));
    } });
    const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: `http://127.0.0.1:${up.port}` }] } }, routes: [{ path: "/", pool: "u" }], shutdownTimeout: "500ms", accessLog: { path: "/dev/null" } });
    try {
      const endless = await fetch(p.url + "/endless");
      const reader = endless.body!.getReader();
      await reader.read();
      const slow = fetch(p.url + "/slow");
      await slowArrived; // in flight through the proxy before the signal
      p.proc.kill("SIGTERM");
      await p.waitFor("SIGTERM: stopping");
      release(); // the upstream answers the slow request during the grace period
      expect(await (await slow).text()).toBe("finished");
      const code = await p.proc.exited;
      expect(code).toBe(0);
      expect(p.stderr()).toContain("closing the remaining connections");
      // The endless body was cut, not ended as if complete.
      let cut = false;
      try { for (;;) { const r = await reader.read(); if (r.done) break; } } catch { cut = true; }
      expect(cut).toBe(true);
    } finally { p.proc.kill("SIGKILL"); up.stop(true); }
  });
});

describe("SIGTERM and the access log", () => {
  test("every line reaches stdout before exit, even through a pipe whose reader is not reading yet", async () => {
    const up = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: () => new Response("ok") });
    const dir = tempDir();
    writeFile(dir, "routes.json", JSON.stringify({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: `http://127.0.0.1:${up.port}` }] } }, routes: [{ path: "/", pool: "u" }] }));
    // The pipe's reader starts only once the proxy says it has stopped and is writing out its
    // log: ~800 KB of lines do not fit a 64 KB pipe, so the proxy must wait for the reader.
    const script = `("${BINARY}" --routes routes.json 2>err & echo $! > pid; wait) | (until [ -f go ]; do sleep 0.05; done; cat > out.log)`;
    const sh = Bun.spawn(["sh", "-c", script], { cwd: dir, stdout: "ignore", stderr: "ignore" });
    try {
      const port = Number((await waitForLine(join(dir, "err"), /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
      const pad = "x".repeat(300);
      for (let i = 0; i < 2000; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => fetch(`http://127.0.0.1:${port}/r${i + j}?${pad}`).then((r) => r.text())));
      }
      process.kill(Number(readFileSync(join(dir, "pid"), "utf8")), "SIGTERM");
      await waitForLine(join(dir, "err"), /writing out the access log/);
      writeFile(dir, "go", "");
      await sh.exited;
      const lines = readFileSync(join(dir, "out.log"), "utf8").split("\n").filter((l) => l.includes('" 200 '));
      expect(lines.length).toBe(2000);
    } finally {
      sh.kill();
      up.stop(true);
    }
  });
});

/** The first match of `re` in a file another process writes (polled: the file has no events). */
async function waitForLine(file: string, re: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const m = existsSync(file) ? re.exec(readFileSync(file, "utf8")) : null;
    if (m) return m;
    await Bun.sleep(20);
  }
}

import { describe, expect, test } from "bun:test";
import { startProxy } from "./harness.ts";

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

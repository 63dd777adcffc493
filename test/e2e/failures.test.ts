import { afterAll, describe, expect, test } from "bun:test";
import { REFUSED_URL, echoUpstream, startProxy } from "./harness.ts";

const listener = { port: 0, host: "127.0.0.1" };
const quiet = { path: "/dev/null" };

describe("upstream failures get 502/503/504 with a short body, and the proxy keeps serving", () => {
  const good = echoUpstream("good");
  afterAll(() => good.stop());

  test("a refused connection is retried on another member (no client error)", async () => {
    const p = await startProxy({ listeners: [listener], pools: { u: { members: [{ url: REFUSED_URL }, { url: good.url }], retries: 1 } }, routes: [{ path: "/", pool: "u" }], accessLog: quiet });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await fetch(p.url + "/r", { method: "POST", body: "payload" });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { bodyLength: number }).bodyLength).toBe(7);
      }
    } finally { await p.stop(); }
  });

  test("every member refusing gives 502; no member available gives 503 naming the pool", async () => {
    const p = await startProxy({ listeners: [listener], pools: {
      dead: { members: [{ url: REFUSED_URL }], retries: 0 },
      off: { members: [{ url: good.url, state: "disabled" }] },
    }, routes: [{ path: "/dead", pool: "dead" }, { path: "/off", pool: "off" }, { path: "/", pool: "dead" }], accessLog: quiet });
    try {
      const r1 = await fetch(p.url + "/dead");
      expect(r1.status).toBe(502);
      expect((await r1.text()).length).toBeLessThan(200);
      const r2 = await fetch(p.url + "/off");
      expect(r2.status).toBe(503);
      expect(await r2.text()).toContain("off");
      expect(p.stderr()).toContain("dead");
    } finally { await p.stop(); }
  });

  test("an upstream slower than the response timeout gives 504", async () => {
    let release!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    const slow = Bun.serve({ port: 0, hostname: "127.0.0.1", async fetch() { await hung; return new Response("late"); } });
    const p = await startProxy({ listeners: [listener], pools: { s: { members: [{ url: `http://127.0.0.1:${slow.port}` }], timeouts: { response: "300ms" } } }, routes: [{ path: "/", pool: "s" }], accessLog: quiet });
    try {
      const res = await fetch(p.url + "/slow");
      expect(res.status).toBe(504);
    } finally { release(); await p.stop(); slow.stop(true); }
  });

  test("an upstream that dies mid-body aborts the client connection instead of ending the body", async () => {
    const liar = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data(s) { s.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000)); s.end(); } } });
    const p = await startProxy({ listeners: [listener], pools: { l: { members: [{ url: `http://127.0.0.1:${liar.port}` }] }, g: { members: [{ url: good.url }] } }, routes: [{ path: "/ok", pool: "g" }, { path: "/", pool: "l" }], accessLog: quiet });
    try {
      const curl = Bun.spawn(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", p.url + "/cut"], { stdout: "pipe" });
      const code = await curl.exited;
      // curl 18: "transfer closed with outstanding read data remaining"
      expect([18, 56]).toContain(code); // 56: connection reset; either way the body is not passed off as complete
      const ok = await fetch(p.url + "/ok");
      expect(ok.status).toBe(200); // still serving others
      expect(((await ok.json()) as { name: string }).name).toBe("good");
    } finally { await p.stop(); liar.stop(true); }
  });

  test("a client that stops reading mid-body does not count against the member", async () => {
    const big = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: () => new Response(new ReadableStream({
      pull(ctrl) { ctrl.enqueue(new Uint8Array(64 * 1024)); },
    }, { highWaterMark: 0 })) });
    // maxFails 1: a single counted failure would eject the only member and the next request gets 503.
    const p = await startProxy({ listeners: [listener], pools: { b: { members: [{ url: `http://127.0.0.1:${big.port}` }], health: { passive: { maxFails: 1, ejectFor: "1h" } } } }, routes: [{ path: "/", pool: "b" }], accessLog: quiet });
    try {
      for (let i = 0; i < 3; i++) {
        const ac = new AbortController();
        const res = await fetch(p.url + "/stream", { signal: ac.signal });
        const reader = res.body!.getReader();
        await reader.read();
        ac.abort();
        await reader.closed.catch(() => {});
      }
      const after = await fetch(p.url + "/stream", { headers: { range: "x" } });
      expect(after.status).toBe(200);
      await after.body!.cancel();
      expect(p.stderr()).not.toContain("ejected");
    } finally { await p.stop(); big.stop(true); }
  });
});

describe("panic instead of a self-inflicted outage", () => {
  test("a one-member pool with a 1s response timeout still answers after a timed-out request", async () => {
    const up = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, async fetch(req) {
      if (new URL(req.url).pathname === "/slow") await Bun.sleep(1500);
      return new Response("fine");
    } });
    const p = await startProxy({ listeners: [listener], pools: { p: { members: [{ url: `http://127.0.0.1:${up.port}` }], timeouts: { response: "1s" } } }, routes: [{ path: "/", pool: "p" }], accessLog: quiet });
    try {
      expect((await fetch(p.url + "/slow")).status).toBe(504);
      const res = await fetch(p.url + "/fast");
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("fine");
      expect(p.stderr()).toContain("panic: every member is ejected");
    } finally { await p.stop(); up.stop(true); }
  });
});

import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { startProxy } from "./harness.ts";

/**
 * A raw upstream that answers nothing until `barrier` requests are pending at once, then
 * answers them all; it counts the TCP connections it accepted.
 */
function barrierUpstream(barrier: number) {
  let connections = 0;
  let pending: Socket<{ buf: string }>[] = [];
  const server = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { connections++; s.data = { buf: "" }; },
      data(s, d) {
        s.data.buf += d.toString("latin1");
        while (s.data.buf.includes("\r\n\r\n")) {
          s.data.buf = s.data.buf.slice(s.data.buf.indexOf("\r\n\r\n") + 4);
          pending.push(s);
        }
        if (pending.length >= barrier) {
          for (const p of pending) p.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
          pending = [];
        }
      },
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, connections: () => connections, stop: () => server.stop(true) };
}

/** One raw keep-alive client connection per request (fetch itself caps at 256 in flight). */
function rawGet(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let buf = "";
    Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: {
      open(s) { s.write(`GET ${u.pathname} HTTP/1.1\r\nHost: t\r\n\r\n`); },
      data(s, d) {
        buf += d.toString("latin1");
        if (buf.includes("\r\n\r\n") && buf.endsWith("ok")) { s.end(); resolve(buf); }
      },
      error(_s, e) { reject(e); },
    } }).catch(reject);
  });
}

// 300: above the 256 requests Bun's fetch keeps in flight, which would deadlock the barrier.
const N = 300;

describe(`${N} concurrent clients`, () => {
  test("are all in flight upstream at once, and a second wave reuses the connections", async () => {
    const up = barrierUpstream(N);
    const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: up.url }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { path: "/dev/null" } });
    try {
      const wave = () => Promise.all(Array.from({ length: N }, () => rawGet(p.url + "/c")));
      const first = await wave();
      expect(first.every((r) => r.startsWith("HTTP/1.1 200"))).toBe(true);
      const afterFirst = up.connections();
      expect(afterFirst).toBe(N); // one upstream connection per request in flight, none queued
      const second = await wave();
      expect(second.every((r) => r.startsWith("HTTP/1.1 200"))).toBe(true);
      // Bun's fetch keeps at most 64 idle sockets and churns the rest; our pool keeps them all.
      expect(up.connections() - afterFirst).toBe(0);
    } finally { await p.stop(); up.stop(); }
  }, 30_000);
});

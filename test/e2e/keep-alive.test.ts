/**
 * The keep-alive timeout (clientTimeouts.keepAlive, NGINX keepalive_timeout) closes a connection
 * that has been idle that long, counted from its last request: a client that keeps sending is
 * never cut, on a plain and on a TLS listener alike, and one that stops is closed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { echoUpstream, startProxy, tempDir, type RunningProxy } from "./harness.ts";
import { binaryCerts } from "./tls-harness.ts";

const KEEP_ALIVE_MS = 2000;
const echo = echoUpstream("ka");
let p: RunningProxy;
let ca: string;
beforeAll(async () => {
  const dir = tempDir();
  await binaryCerts(dir, "app.example.com", "app.example.com");
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
  p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }, { port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "app.example.com.crt", key: "app.example.com.key" }] } }],
    pools: { u: { members: [{ url: echo.url }] } },
    routes: [{ path: "/", pool: "u" }],
    clientTimeouts: { keepAlive: `${KEEP_ALIVE_MS}ms` },
    accessLog: { path: "/dev/null" },
  }, { dir });
});
afterAll(async () => {
  await p.stop();
  echo.stop();
});

/** One kept-alive connection: each request resolves with its whole answer. */
async function connection(url: string) {
  const u = new URL(url);
  let text = "";
  let answered: (() => void) | undefined;
  let closedAt: number | undefined;
  const closed = Promise.withResolvers<number>();
  const ready = Promise.withResolvers<void>();
  const sock = await Bun.connect({
    hostname: u.hostname, port: Number(u.port),
    ...(u.protocol === "https:" ? { tls: { ca, serverName: "app.example.com" } } : {}),
    socket: {
      open() { if (u.protocol === "http:") ready.resolve(); },
      // Bun's TLS client loses what is written before the handshake is done.
      handshake(_s, ok) { if (ok) ready.resolve(); else ready.reject(new Error("handshake failed")); },
      data(_s, d) {
        text += d.toString("latin1");
        if (/\r\n\r\n\{[^]*\}$/.test(text)) answered?.();
      },
      close() { closed.resolve(closedAt = performance.now()); },
    },
  });
  await ready.promise;
  return {
    closed: closed.promise,
    isClosed: () => closedAt !== undefined,
    async get(path: string): Promise<string> {
      text = "";
      const got = new Promise<void>((r) => (answered = r));
      sock.write(`GET ${path} HTTP/1.1\r\nHost: app.example.com\r\n\r\n`);
      await Promise.race([got, closed.promise]);
      return text;
    },
  };
}

for (const kind of ["plain", "tls"] as const) {
  test(`${kind}: a client sending a request every 600 ms for 3.5 keep-alive times is never closed; once it stops, it is`, async () => {
    const c = await connection(kind === "plain" ? p.urls[0]! : p.urls[1]!);
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < KEEP_ALIVE_MS * 3.5) {
      const answer = await c.get(`/ka/${n}`);
      expect(c.isClosed()).toBe(false);
      expect(answer).toStartWith("HTTP/1.1 200 ");
      n++;
      await Bun.sleep(600); // the client's pace, not a synchronization
    }
    const last = performance.now();
    const closedAt = await c.closed;
    // Closed by the timeout, no sooner than keepAlive after the last request (Bun's socket timer ticks every few seconds).
    expect(closedAt - last).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 700);
    expect(closedAt - last).toBeLessThan(KEEP_ALIVE_MS + 6000);
    expect(n).toBeGreaterThan(9);
  }, 20_000);
}

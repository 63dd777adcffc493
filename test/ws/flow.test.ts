import { afterEach, expect, test } from "bun:test";
import type { Server } from "bun";
import { createWebSocketHandler, proxyWebSocket, type Direction, type WsData } from "../../src/ws/relay.ts";
import { connectClient, deferred, upstream, wsUrl, type UpSocket } from "./harness.ts";

const servers: Array<Server<unknown>> = [];
function track<T extends Server<never>>(s: T): T { servers.push(s as unknown as Server<unknown>); return s; }
afterEach(() => { for (const s of servers.splice(0)) s.stop(true); });

const COUNT = 200;
const SIZE = 256 * 1024;

/** Message i: SIZE bytes, the index in the first 4 bytes and a pattern after it. */
function message(i: number): Uint8Array {
  const m = new Uint8Array(SIZE).fill(i & 0xff);
  new DataView(m.buffer).setUint32(0, i);
  return m;
}
function check(m: ArrayBuffer | Uint8Array, i: number): void {
  const u = m instanceof Uint8Array ? m : new Uint8Array(m);
  expect(u.byteLength).toBe(SIZE);
  expect(new DataView(u.buffer, u.byteOffset).getUint32(0)).toBe(i);
  expect(u[SIZE - 1]).toBe(i & 0xff);
}

/** A front whose per-connection state is observable, with a small proxy queue bound. */
function observedFront(upstreamUrl: string, onPressure: (d: Direction, p: boolean) => void): { server: Server<WsData>; states: WsData[] } {
  const states: WsData[] = [];
  const handler = createWebSocketHandler({ idleTimeoutSec: 120, maxPayloadLength: 16 * 1024 * 1024 });
  const server = Bun.serve<WsData>({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, srv) => proxyWebSocket(req, srv, { upstreamUrl, headers: new Headers(), connectTimeoutMs: 2000, maxQueueBytes: 2 * 1024 * 1024, onPressure }),
    websocket: { ...handler, open(ws) { states.push(ws.data); return handler.open?.(ws); } },
  });
  return { server, states };
}

test("upstream → slow client: the proxy pauses the upstream, drops nothing, queues little", async () => {
  const upBlocked = deferred<void>();
  // A well-behaved producer: stops at -1 and continues on drain.
  const up = track(upstream({
    open(ws) { (ws as UpSocket & { next?: number }).next = 0; pump(ws); },
    drain(ws) { pump(ws); },
  }));
  function pump(ws: UpSocket): void {
    const s = ws as UpSocket & { next?: number };
    while ((s.next ?? 0) < COUNT) {
      const status = ws.send(message(s.next ?? 0));
      s.next = (s.next ?? 0) + 1;
      if (status === -1) { upBlocked.resolve(); return; }
      expect(status).toBeGreaterThan(0);
    }
  }
  const proxyPaused = deferred<void>();
  const { server: fr, states } = observedFront(wsUrl(up), (dir, paused) => { if (dir === "toClient" && paused) proxyPaused.resolve(); });
  track(fr);
  const rssBefore = process.memoryUsage().rss;
  const c = await connectClient(wsUrl(fr));
  c.ws.pause(); // the slow reader: nothing is read until resume()
  await Promise.all([proxyPaused.promise, upBlocked.promise]);
  const d = states[0];
  expect(d?.upPaused).toBe(true);
  // The proxy holds at most the 2 MiB queue bound (it would have closed with 1008 otherwise).
  expect(d?.queueBytes ?? Infinity).toBeLessThanOrEqual(2 * 1024 * 1024);
  c.ws.resume();
  for (let i = 0; i < COUNT; i++) check((await c.messages.next()) as ArrayBuffer, i);
  const grewMiB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  console.log(`slow reader: ${COUNT} x ${SIZE / 1024} KiB delivered in order; RSS grew ${grewMiB.toFixed(1)} MiB (test process, all parties)`);
  c.ws.close();
  await c.closed;
});

test("client → slow upstream: the proxy pauses the client and resumes it when the upstream drains", async () => {
  const received: Uint8Array[] = [];
  const all = deferred<void>();
  const upOpen = deferred<UpSocket>();
  const up = track(upstream({
    open(ws) { ws.pause(); upOpen.resolve(ws); }, // the slow upstream reads nothing at first
    message(_ws, m) { received.push(new Uint8Array(m as Buffer)); if (received.length === COUNT) all.resolve(); },
  }));
  const paused = deferred<void>();
  const resumed = deferred<void>();
  const { server: fr, states } = observedFront(wsUrl(up), (dir, p) => {
    if (dir === "toUpstream") (p ? paused : resumed).resolve();
  });
  track(fr);
  const c = await connectClient(wsUrl(fr));
  const upWs = await upOpen.promise;
  for (let i = 0; i < COUNT; i++) c.ws.send(message(i));
  await paused.promise;
  expect(states[0]?.clientPaused).toBe(true);
  upWs.resume();
  await resumed.promise;
  await all.promise;
  received.forEach((m, i) => check(m, i));
  c.ws.close();
  await c.closed;
});

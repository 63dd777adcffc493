/**
 * Slow clients hold no member connection and are cut at clientTimeouts (NGINX
 * client_header_timeout / client_body_timeout): bodies up to 64 KiB are read before a member
 * is chosen, a head or body that stalls past its deadline gets 408 and the connection closes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket } from "bun";
import { startProxy, type RunningProxy } from "./harness.ts";
import { recordingUpstream } from "./raw.ts";

const cleanups: (() => unknown)[] = [];
const up = recordingUpstream(cleanups);
let p: RunningProxy;
beforeAll(async () => {
  p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { u: { members: [{ url: up.url }] } },
    routes: [{ path: "/", pool: "u" }],
    clientTimeouts: { header: "1s", body: "1s" },
    accessLog: { path: "/dev/null" },
  });
});
afterAll(async () => {
  await p.stop();
  for (const c of cleanups) await c();
});

interface Client { sock: Socket<undefined>; text: () => string; closed: Promise<number> }

async function client(first: string): Promise<Client> {
  const u = new URL(p.url);
  let text = "";
  let closed!: (t: number) => void;
  const done = new Promise<number>((r) => (closed = r));
  const sock = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: {
    data(_s, d) { text += d.toString("latin1"); },
    close() { closed(performance.now()); },
  } });
  sock.write(first);
  return { sock, text: () => text, closed: done };
}

test("a slowloris client is cut at the header deadline with 408", async () => {
  const started = performance.now();
  const c = await client("GET / HTTP/1.1\r\n");
  const drip = setInterval(() => c.sock.write("X-A: b\r\n"), 150);
  const at = await c.closed;
  clearInterval(drip);
  expect(c.text()).toStartWith("HTTP/1.1 408");
  expect(at - started).toBeLessThan(4000);
  expect(at - started).toBeGreaterThanOrEqual(900);
});

test("a body that stalls gets 408 before any member is chosen", async () => {
  const before = up.accepted();
  const c = await client("POST /stall HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
  await c.closed;
  expect(c.text()).toStartWith("HTTP/1.1 408");
  expect(up.accepted()).toBe(before);
});

test("100 slow uploads hold at most a handful of member connections, and all are answered", async () => {
  const clients = await Promise.all(Array.from({ length: 100 }, (_, i) => client(`POST /up${i} HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${"a".repeat(500)}`)));
  // Every head and half of every body is in; nothing may be waiting on a member yet.
  await Bun.sleep(300); // nothing to await: the property is that nothing happens
  expect(up.open()).toBeLessThanOrEqual(5);
  for (const c of clients) c.sock.write("b".repeat(500));
  await Promise.all(clients.map((c) => c.closed));
  for (const [i, c] of clients.entries()) expect(c.text()).toContain(`POST /up${i} HTTP/1.1 body=1000`);
});

test("Expect: 100-continue is answered by the front at once; the member gets the body without the expectation", async () => {
  const before = up.requests.length;
  const c = await client("PUT /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
  const deadline = performance.now() + 2000;
  while (!c.text().includes("100 Continue") && performance.now() < deadline) await Bun.sleep(10); // polling the client's own bytes
  expect(c.text()).toStartWith("HTTP/1.1 100 Continue\r\n\r\n");
  c.sock.write("hello");
  await c.closed;
  expect(c.text()).toContain("PUT /e HTTP/1.1 body=5");
  expect(up.requests[before]!.head).not.toMatch(/expect/i);
});

test("a streamed body the client pauses in is the client's wait: no 504 within clientTimeouts.body, a 408 past it, and the member is never blamed", async () => {
  const q = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { u: { members: [{ url: up.url }], timeouts: { response: "1s" }, health: { passive: { maxFails: 1 } } } },
    routes: [{ path: "/", pool: "u" }],
    clientTimeouts: { body: "3s" },
    accessLog: { path: "/dev/null" },
  });
  try {
    const u = new URL(q.url);
    const open = async (first: string) => {
      let text = "";
      let closed!: () => void;
      const done = new Promise<void>((r) => (closed = r));
      const sock = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: { data(_s, d) { text += d.toString("latin1"); }, close() { closed(); } } });
      sock.write(first);
      return { sock, text: () => text, closed: done };
    };
    // Over the 64 KiB read before a member is chosen: the body streams to the member.
    const head = "POST /pause HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\nConnection: close\r\n\r\n";
    const paused = await open(head + "a".repeat(66_000));
    await Bun.sleep(1600); // the pause under test: longer than timeouts.response, shorter than clientTimeouts.body
    paused.sock.write("b".repeat(4000));
    await paused.closed;
    expect(paused.text()).toStartWith("HTTP/1.1 200");
    expect(paused.text()).toContain("POST /pause HTTP/1.1 body=70000");
    const gone = await open(head.replace("/pause", "/gone") + "a".repeat(66_000));
    await gone.closed;
    expect(gone.text()).toStartWith("HTTP/1.1 408");
    const after = await fetch(`${q.url}/after`);
    expect(after.status).toBe(200);
    expect(q.stderr()).not.toContain("ejected");
    expect(q.stderr()).not.toContain("response timeout");
  } finally {
    await q.stop();
  }
});

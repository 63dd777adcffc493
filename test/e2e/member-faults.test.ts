/**
 * Faults of one member that must cost the clients nothing: a member that never answers (NGINX
 * proxy_next_upstream timeout), and a member that answers an Upgrade request with a page.
 */
import { afterEach, expect, test } from "bun:test";
import { startProxy } from "./harness.ts";
import { rawRequest, recordingUpstream, trackedRawUpstream } from "./raw.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const listener = { port: 0, host: "127.0.0.1" };
const quiet = { path: "/dev/null" };

/** Accepts connections and reads requests, never answers. */
function hangingMember() {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  cleanups.push(() => l.stop(true));
  return `http://127.0.0.1:${l.port}`;
}

test("a member that never answers costs idempotent requests nothing: they fail over on the response timeout", async () => {
  const good = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [listener],
    pools: { u: { members: [{ url: hangingMember() }, { url: good.url }], method: "byrequests", timeouts: { response: "300ms" } } },
    routes: [{ path: "/", pool: "u" }],
    accessLog: quiet,
  });
  cleanups.push(() => p.stop());
  const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => fetch(`${p.url}/t${i}`).then((r) => r.status)));
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  // Via the spine too (a PUT body leaves the lane's hold only past 64 KiB; DELETE without body stays on the lane).
  const put = await fetch(`${p.url}/put`, { method: "PUT", body: "x".repeat(70_000) });
  expect([200, 504]).toContain(put.status); // a streamed body is never replayed: 504 if the hanging member had it
  expect(p.stderr()).toContain("retrying on another member");
});

test("a POST is not replayed after a response timeout: 504", async () => {
  const good = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [listener],
    pools: { u: { members: [{ url: hangingMember() }], timeouts: { response: "300ms" } } },
    routes: [{ path: "/", pool: "u" }],
    accessLog: quiet,
  });
  cleanups.push(() => p.stop());
  const res = await fetch(`${p.url}/post`, { method: "POST", body: "abc" });
  expect(res.status).toBe(504);
  expect(good.requests.length).toBe(0);
});

test("an Upgrade request answered with a page is relayed as an ordinary response; the member stays in the pool", async () => {
  const page = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [listener],
    pools: { u: { members: [{ url: page.url }] } },
    routes: [{ path: "/", pool: "u" }],
    accessLog: quiet,
  });
  cleanups.push(() => p.stop());
  const res = await fetch(`${p.url}/page`, { headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" } });
  expect(res.status).toBe(200);
  expect(await res.text()).toStartWith("GET /page HTTP/1.1");
  for (let i = 0; i < 3; i++) expect((await fetch(`${p.url}/after${i}`)).status).toBe(200);
  expect(p.stderr()).not.toContain("ejected");
});

/** A proxy in front of one raw member that answers every request with `answer`, exactly. */
async function proxyBefore(answer: string) {
  const up = trackedRawUpstream(cleanups)((s) => void s.write(Buffer.from(answer, "latin1")));
  const p = await startProxy({ listeners: [listener], pools: { u: { members: [{ url: up.url }], retries: 0 } }, routes: [{ path: "/", pool: "u" }], accessLog: quiet });
  cleanups.push(() => p.stop());
  return p;
}

test("a chunked answer reaches an HTTP/1.0 client decoded, ended by the close, as NGINX sends it", async () => {
  const p = await proxyBefore("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  const got = await rawRequest(p.url, "GET /a HTTP/1.0\r\nHost: x\r\n\r\n");
  const [headText, body] = got.split("\r\n\r\n");
  expect(headText!.toLowerCase()).not.toContain("transfer-encoding");
  expect(headText!.toLowerCase()).toContain("connection: close");
  expect(body).toBe("hello world");
});

test("a bare CR in a member's status line, on a final answer or a 101, is a 502, never relayed", async () => {
  for (const answer of ["HTTP/1.1 200 OK\rSet-Cookie: x=1\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 1000 Odd\r\nContent-Length: 0\r\n\r\n"]) {
    const p = await proxyBefore(answer);
    const got = await rawRequest(p.url, "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect([JSON.stringify(answer), got.slice(0, 12)]).toEqual([JSON.stringify(answer), "HTTP/1.1 502"]);
    expect(got).not.toContain("Set-Cookie: x=1");
  }
  const p = await proxyBefore("HTTP/1.1 101 Switching\rX-Evil: 1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  const got = await rawRequest(p.url, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  expect(got.slice(0, 12)).toBe("HTTP/1.1 502");
  expect(got).not.toContain("X-Evil");
});

test("a member's framing field with a no-break space (0xA0) beside its value is a 502, never relayed for the client to read one way or another", async () => {
  for (const framing of ["Transfer-Encoding: chunked\xa0", "Content-Length: \xa05"]) {
    const p = await proxyBefore(`HTTP/1.1 200 OK\r\n${framing}\r\nX-Relayed: 1\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
    const got = await rawRequest(p.url, "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect([framing, got.slice(0, 12)]).toEqual([framing, "HTTP/1.1 502"]);
    expect(got).not.toContain("X-Relayed");
  }
});

test("a member flooding 103 Early Hints at a client that does not read is read no faster than the client takes them", async () => {
  const hint = Buffer.from(`HTTP/1.1 103 Early Hints\r\nLink: </${"x".repeat(1000)}.css>; rel=preload\r\n\r\n`);
  let total = 0;
  let rest: Uint8Array | undefined;
  let timer: Timer | undefined;
  let stalled!: (why: string) => void;
  const outcome = new Promise<string>((r) => (stalled = r));
  const pump = (s: import("bun").Socket) => {
    clearTimeout(timer);
    for (;;) {
      if (total > 256 * 1024 * 1024) return stalled("never stalled");
      const bytes = rest ?? hint;
      const n = s.write(bytes);
      total += n;
      if (n < bytes.byteLength) {
        rest = bytes.subarray(Math.max(n, 0));
        // No drain for 300 ms: the proxy stopped reading this member.
        timer = setTimeout(() => stalled("stalled"), 300);
        return;
      }
      rest = undefined;
    }
  };
  const member = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (s) => pump(s), drain: (s) => pump(s) } });
  cleanups.push(() => member.stop(true));
  const p = await startProxy({ listeners: [listener], pools: { u: { members: [{ url: `http://127.0.0.1:${member.port}` }], retries: 0 } }, routes: [{ path: "/", pool: "u" }], accessLog: quiet });
  cleanups.push(() => p.stop());
  const { createConnection } = await import("node:net");
  const client = createConnection({ host: "127.0.0.1", port: Number(new URL(p.url).port) });
  client.pause();
  client.write("GET /hints HTTP/1.1\r\nHost: x\r\n\r\n");
  cleanups.unshift(() => client.destroy()); // first: the proxy's stop waits for the exchange in flight
  expect(await outcome).toBe("stalled");
  // What the kernel's buffers and the client's queue hold, not the flood (350 MB of RSS before).
  expect(total).toBeLessThan(64 * 1024 * 1024);
});

test("a client that stops reading interim 103s until the response timeout is closed as its own stall: the member is not failed or ejected", async () => {
  const hints = Buffer.from(`HTTP/1.1 103 Early Hints\r\nLink: </${"x".repeat(1000)}.css>; rel=preload\r\n\r\n`.repeat(20_000));
  const member = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: {
    data(s, d) {
      const flood = d.toString("latin1").startsWith("GET /flood");
      const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      // Bun queues what the socket cannot take now: everything is sent at once, as a fast member does.
      s.write(flood ? Buffer.concat([hints, Buffer.from(ok)]) : ok);
    },
  } });
  cleanups.push(() => member.stop(true));
  const p = await startProxy({
    listeners: [listener], accessLog: quiet, routes: [{ path: "/", pool: "u" }],
    pools: { u: { members: [{ url: `http://127.0.0.1:${member.port}` }], retries: 0, timeouts: { response: "1s" }, health: { passive: { maxFails: 1 } } } },
  });
  cleanups.push(() => p.stop());
  const { createConnection } = await import("node:net");
  const client = createConnection({ host: "127.0.0.1", port: Number(new URL(p.url).port) });
  client.pause();
  client.write("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
  cleanups.unshift(() => client.destroy());
  await p.waitFor("stopped reading; connection closed");
  expect(p.stderr()).not.toContain("ejected");
  const res = await fetch(`${p.url}/after`);
  expect([res.status, await res.text()]).toEqual([200, "ok"]);
});

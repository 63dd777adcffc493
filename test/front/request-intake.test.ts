/**
 * Reading requests (request-intake.ts), through a ClientConn with a fake socket (the kernel's
 * buffer is what the test controls): pipelined requests wait while answers are queued, so a
 * client that sends and never reads cannot make the proxy hold its answers. The pool has no
 * member, so each request is a local 503.
 */
import { Registry } from "../../src/state/registry.ts";
import { expect, test } from "bun:test";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import type { RuntimePool, RuntimeRoute } from "../../src/config/runtime.ts";
import { ClientConn } from "../../src/front/client-conn.ts";
import { context, fakeSocket } from "./conn-harness.ts";

const requests = (n: number) => Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(n), "latin1");
const answers = (written: string[]) => written.join("").split("HTTP/1.1 503 ").length - 1;

test("pipelined requests are answered one by one while the client reads", () => {
  const { sock, written } = fakeSocket();
  const { ctx, logged } = context();
  new ClientConn(sock, ctx).onData(requests(5));
  expect(answers(written)).toBe(5);
  expect(logged).toEqual([503, 503, 503, 503, 503]);
});

test("a client that does not read: the next pipelined request waits for the drain, reading pauses", () => {
  const { sock, written, state } = fakeSocket();
  const { ctx, logged } = context();
  const conn = new ClientConn(sock, ctx);
  state.room = 10; // the kernel takes 10 bytes, then the client's window is full
  conn.onData(requests(1000));
  expect(logged.length).toBe(1); // only the first request ran; its answer is queued
  conn.onData(requests(3000)); // more pipelined bytes: buffered, and reading stops past 64 KB
  expect(logged.length).toBe(1);
  expect(state.paused).toBe(true);
  state.room = Infinity;
  conn.onDrain();
  expect(logged.length).toBe(4000);
  expect(answers(written)).toBe(4000);
  expect(state.paused).toBe(false);
});

test("a malformed head is answered 400, logged, and the connection half-closed to linger; nothing after it is read; the client's FIN closes it", () => {
  const { sock, written, state } = fakeSocket();
  const { ctx, logged } = context();
  const conn = new ClientConn(sock, ctx);
  conn.onData(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "latin1"));
  expect(written.join("")).toStartWith("HTTP/1.1 400 Bad Request\r\n");
  expect(written.join("")).toContain("obs-fold");
  expect(logged).toEqual([400]);
  expect([state.shut, state.ended]).toEqual([true, false]);
  conn.onData(Buffer.from("more of what the client was sending"));
  expect(logged).toEqual([400]);
  conn.onEnd();
  expect(state.ended).toBe(true);
});

test("a head that takes past clientTimeouts.header is 408 and closed at once: a slowloris gets no lingering", () => {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now });
  const { sock, written, state } = fakeSocket();
  const { ctx, logged } = context(deadlines);
  const conn = new ClientConn(sock, ctx);
  conn.onData(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n", "latin1"));
  now = 1001;
  deadlines.tick();
  expect(written.join("")).toStartWith("HTTP/1.1 408 ");
  expect(logged).toEqual([408]);
  expect([state.shut, state.ended]).toEqual([false, true]);
});

test("a head over 32 KiB is 431; a body over maxBodySize is 413 before any member is chosen", () => {
  const big = fakeSocket();
  const a = context();
  new ClientConn(big.sock, a.ctx).onData(Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\nX-A: ${"a".repeat(70_000)}`, "latin1"));
  expect(big.written.join("")).toStartWith("HTTP/1.1 431 ");
  const post = fakeSocket();
  const b = context();
  (b.ctx.plan({ rawPath: "/" } as never) as { route: { maxBodySize?: number } }).route.maxBodySize = 10;
  new ClientConn(post.sock, b.ctx).onData(Buffer.from("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", "latin1"));
  expect(post.written.join("")).toStartWith("HTTP/1.1 413 ");
  expect(b.logged).toEqual([413]);
});

test("Expect: 100-continue on a route with auth: a body sent without waiting pauses reading during the check, which resumes once the token passed", async () => {
  const { sock, written, state } = fakeSocket();
  const { ctx } = context();
  let pass!: () => void;
  const checked = new Promise<void>((r) => (pass = r));
  const auth = {
    token: () => "t", verify: async () => (await checked, { ok: true, claims: {} }), claimHeaders: [], headersFor: () => [], keys: { close() {} },
  };
  const route = { label: "/up", auth, timeouts: { connect: 1000, response: 1000, idle: 1000 }, stats: new Registry().route("/up") } as unknown as RuntimeRoute;
  const pool = { name: "empty", pool: { members: [] }, retries: 0, failOnStatus: new Set(), stats: { retries: 0 } } as unknown as RuntimePool;
  ctx.plan = (h) => ({ route, pool, path: h.rawPath, canonical: h.rawPath });
  const conn = new ClientConn(sock, ctx);
  const size = 64 * 1024; // the largest body held whole (read before a member is chosen)
  conn.onData(Buffer.from(`POST /up HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\nExpect: 100-continue\r\nContent-Length: ${size}\r\n\r\n`, "latin1"));
  conn.onData(Buffer.alloc(size - 10, 0x61)); // the client did not wait for the 100
  expect(state.paused).toBe(true); // past 64 KiB buffered while the token is checked
  expect(written).toEqual([]);
  pass();
  await checked;
  await Bun.sleep(0);
  expect(written[0]).toBe("HTTP/1.1 100 Continue\r\n\r\n");
  expect(state.paused).toBe(false); // else the last bytes would never be read
  conn.onData(Buffer.alloc(10, 0x61));
  await Bun.sleep(0);
  expect(written.join("")).toContain("HTTP/1.1 503 "); // the whole body was read: the (empty) pool answered
});

test("a held body's wait counts in the access line's duration, from the first bytes of the request (NGINX $request_time)", async () => {
  const { sock } = fakeSocket();
  const { ctx } = context();
  const durations: number[] = [];
  ctx.deps.access = (e) => void durations.push(e.durationMs);
  const conn = new ClientConn(sock, ctx);
  conn.onData(Buffer.from("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab", "latin1"));
  await Bun.sleep(30);
  conn.onData(Buffer.from("cde", "latin1"));
  expect(durations).toHaveLength(1);
  expect(durations[0]).toBeGreaterThanOrEqual(25);
  conn.onData(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "latin1")); // the next request starts its own clock
  expect(durations[1]).toBeLessThan(25);
});

test("a client that leaves while its token is checked before the 100 gets a 499 access line, as NGINX logs it", async () => {
  const { sock, written } = fakeSocket();
  const { ctx } = context();
  const statuses: number[] = [];
  ctx.deps.access = (e) => void statuses.push(e.status);
  let pass!: () => void;
  const checked = new Promise<void>((r) => (pass = r));
  const auth = { token: () => "t", verify: async () => (await checked, { ok: true, claims: {} }), claimHeaders: [], headersFor: () => [], keys: { close() {} } };
  const route = { label: "/up", auth, timeouts: { connect: 1000, response: 1000, idle: 1000 }, stats: new Registry().route("/up") } as unknown as RuntimeRoute;
  ctx.plan = (h) => ({ route, pool: {} as RuntimePool, path: h.rawPath, canonical: h.rawPath });
  const conn = new ClientConn(sock, ctx);
  conn.onData(Buffer.from("POST /up HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n", "latin1"));
  conn.onClose();
  pass();
  await checked;
  await Bun.sleep(0);
  expect(statuses).toEqual([499]);
  expect(written).toEqual([]);
});

test("a client that half-closes before its held body or its head is complete gets a 400 and a log line, then the close", () => {
  for (const partial of ["POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", "GET /up HTTP/1.1\r\nHost: a\r\n"]) {
    const { sock, written, state } = fakeSocket();
    const { ctx, logged } = context();
    const conn = new ClientConn(sock, ctx);
    conn.onData(Buffer.from(partial, "latin1"));
    expect(logged).toEqual([]);
    conn.onEnd();
    expect(written.join("")).toStartWith("HTTP/1.1 400 Bad Request\r\n");
    expect(written.join("")).toContain("half-closed the connection before its request was complete");
    expect([logged, state.ended]).toEqual([[400], true]);
  }
});

test("a lingering connection is closed when the client sends nothing for LINGER_SEC (the socket's timeout)", () => {
  const { sock, state } = fakeSocket();
  const { ctx } = context();
  const conn = new ClientConn(sock, ctx);
  conn.onData(Buffer.from("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "latin1"));
  expect([state.shut, state.ended, state.timeoutSec]).toEqual([true, false, 5]);
  conn.onTimeout();
  // Cut, not end(): a TLS socket's end() after the half-close would do nothing (node's end is that half-close).
  expect(state.terminated).toBe(true);
});

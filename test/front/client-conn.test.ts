/**
 * The connection's link to the exchange in flight (client-conn.ts): a streamed body's bytes go
 * to the exchange as they come, the next request is read once it says the body ended, and after
 * a 101 every byte is the tunnel's.
 */
import { expect, test } from "bun:test";
import { ClientConn } from "../../src/front/client-conn.ts";
import { context, fakeSocket } from "./conn-harness.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";

test("a streamed body goes to its exchange, buffered bytes first; after bodyEnded the next bytes are a request", () => {
  const { sock, written } = fakeSocket();
  const { ctx, logged } = context();
  const conn = new ClientConn(sock, ctx);
  const got: string[] = [];
  conn.onData(Buffer.from("early", "latin1")); // not yet a head: buffered
  conn.streamBody({ requestData: (d) => void got.push(d.toString("latin1")) });
  conn.onData(Buffer.from("-more", "latin1"));
  expect(got).toEqual(["early", "-more"]);
  conn.bodyEnded();
  conn.onData(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "latin1"));
  expect(logged).toEqual([503]);
  expect(written.join("")).toStartWith("HTTP/1.1 503 ");
});

test("a client that half-closes before its streamed body is complete is cut: the body will never be whole", () => {
  const { sock, state } = fakeSocket();
  const { ctx } = context();
  const conn = new ClientConn(sock, ctx);
  conn.streamBody({ requestData: () => undefined });
  conn.onEnd();
  expect(state.ended).toBe(true);
});

test("after a 101 every client byte is the tunnel's, the bytes sent before it first", () => {
  const { sock } = fakeSocket();
  const { ctx, logged } = context();
  const conn = new ClientConn(sock, ctx);
  const tunnel: string[] = [];
  conn.onData(Buffer.from("\x81\x05hello", "latin1")); // a WebSocket frame sent right after the handshake
  conn.upgraded({ fromClient: (d: Buffer) => void tunnel.push(d.toString("latin1")), clientEnded() {} } as never);
  conn.onData(Buffer.from("GET / HTTP/1.1\r\n\r\n", "latin1"));
  expect(tunnel).toEqual(["\x81\x05hello", "GET / HTTP/1.1\r\n\r\n"]);
  expect(logged).toEqual([]);
});

test("clientTimeouts.body runs only while the streamed body waits on the client: paused for the member, it stops; resumed, it runs again", () => {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now });
  const { sock, state } = fakeSocket();
  const { ctx, logged } = context(deadlines);
  const conn = new ClientConn(sock, ctx);
  const stalled: string[] = [];
  (conn as unknown as { busy: object }).busy = { bodyStalled: () => (stalled.push("408"), false) }; // the exchange the body goes to
  conn.streamBody({ requestData: () => undefined });
  conn.onData(Buffer.from("part", "latin1"));
  conn.pauseReading(); // the member's socket is full
  now = 5000;
  deadlines.tick();
  expect([state.ended, stalled, logged]).toEqual([false, [], []]);
  conn.resumeReading(); // it drained: the client is waited for again
  now = 5900;
  deadlines.tick();
  expect(state.ended).toBe(false);
  now = 6100;
  deadlines.tick();
  expect([state.ended, stalled]).toEqual([true, ["408"]]);
});

test("the keep-alive timeout counts from the last request, not from the open: a timer that fires early is set again for what is left", () => {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now });
  const { sock, state } = fakeSocket();
  const { ctx, logged } = context(deadlines); // idleTimeoutSec 10
  const conn = new ClientConn(sock, ctx);
  now = 7000;
  conn.onData(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "latin1"));
  expect(logged).toEqual([503]);
  now = 10_000; // the socket's timer, set at the open, fires 3 s after the request
  conn.onTimeout();
  expect([state.ended, state.timeoutSec]).toEqual([false, 7]);
  now = 17_000;
  conn.onTimeout();
  expect(state.ended).toBe(true);
});

test("a connection busy when its keep-alive timer fires is not closed: the timer is set again in full", () => {
  const { sock, state } = fakeSocket();
  const { ctx } = context();
  const conn = new ClientConn(sock, ctx);
  (conn as unknown as { busy: object }).busy = {};
  state.timeoutSec = 0;
  conn.onTimeout();
  expect([state.ended, state.timeoutSec]).toEqual([false, 10]);
});

test("part of a head is the header deadline's: the keep-alive timer leaves the connection, and the client gets its 408 at clientTimeouts.header", () => {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now });
  const { sock, state, written } = fakeSocket();
  const { ctx } = context(deadlines); // idleTimeoutSec 10, header 1000 ms
  ctx.clientTimeouts = { ...ctx.clientTimeouts, header: 30_000 };
  const conn = new ClientConn(sock, ctx);
  conn.onData(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n", "latin1"));
  now = 10_000;
  conn.onTimeout();
  expect([state.ended, state.timeoutSec]).toEqual([false, 10]);
  now = 30_000;
  deadlines.tick();
  expect(written.join("")).toStartWith("HTTP/1.1 408 ");
});

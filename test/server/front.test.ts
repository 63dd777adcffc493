/**
 * listenFront with real sockets: a plain listener on 127.0.0.1, raw node:net clients, and a raw
 * member that answers /slow only when the test lets it go (an exchange in flight).
 */
import { afterEach, expect, test } from "bun:test";
import type { Socket } from "bun";
import { connect, type Socket as NetSocket } from "node:net";
import { tmpdir } from "node:os";
import type { Runtime } from "../../src/config/runtime.ts";
import { fastLanes, type FastLanes } from "../../src/front/plan.ts";
import type { AccessEntry } from "../../src/log/access.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { listenFront, type Front, type FrontOptions } from "../../src/server/front.ts";
import { runtimeIn } from "../tls/tls-fixtures.ts";

const answer = (body: string) => `HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 12:00:00 GMT\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const SLOW = answer("slow done");
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: app.test\r\n\r\n`;

/** A member: /slow waits for release() (a body after it is ignored); anything else is answered at once with its head as the body. */
function member() {
  const held: Socket<undefined>[] = [];
  let arrived = Promise.withResolvers<void>();
  const l = Bun.listen({
    hostname: "127.0.0.1", port: 0,
    socket: {
      data(s, d) {
        if (held.includes(s)) return;
        const head = d.toString("latin1");
        if (!head.slice(0, head.indexOf("\r\n")).includes(" /slow")) return void s.write(answer(head));
        held.push(s);
        arrived.resolve();
      },
    },
  });
  return {
    url: `http://127.0.0.1:${l.port}`,
    arrived: () => arrived.promise,
    release: () => { for (const s of held.splice(0)) s.write(SLOW); arrived = Promise.withResolvers(); },
    stop: () => l.stop(true),
  };
}

const config = (url: string, body: string) => ({
  listeners: [{ port: 0, host: "127.0.0.1" }],
  pools: { p: { members: [{ url }] } },
  routes: [{ path: "/slow", pool: "p" }, { path: "/echo", pool: "p" }, { path: "/", respond: { status: 200, body } }],
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const entries: AccessEntry[] = [];
let logged = Promise.withResolvers<AccessEntry>();
const deps = (rt: Runtime): FrontOptions["deps"] => ({
  choose: (p, x, tried) => p.pool.pick({ clientIp: x.clientIp }, tried), outcome: () => {}, deadlines: new Deadlines(), events: () => {},
  access: (e) => { entries.push(e); logged.resolve(e); logged = Promise.withResolvers(); },
  isTrustedProxy: rt.isTrustedProxy, wsIdleMs: 1000, scheme: "http",
});

/** A runtime for `body` on "/" and its lanes, closed after the test. */
function plan(url: string, body: string): { rt: Runtime; lanes: FastLanes } {
  const rt = runtimeIn(tmpdir(), config(url, body));
  const lanes = fastLanes(rt);
  cleanups.push(() => lanes.close());
  return { rt, lanes };
}

function start(body = "one", o: Partial<FrontOptions> = {}) {
  const m = member();
  cleanups.push(m.stop);
  const { rt, lanes } = plan(m.url, body);
  const front: Front = listenFront({ hostname: "127.0.0.1", port: 0, idleTimeoutSec: 60, clientTimeouts: rt.clientTimeouts, lanes, deps: deps(rt), ...o });
  cleanups.push(() => front.stop(true));
  return { m, front };
}

/** A raw client: what it has received, a wait for some text, and its close (with everything received). */
function client(port: number, host = "127.0.0.1") {
  const s: NetSocket = connect(port, host);
  let got = "";
  let wanted: { done: (got: string) => boolean; resolve: () => void } | undefined;
  s.on("data", (d) => {
    got += d.toString("latin1");
    if (wanted?.done(got)) wanted.resolve();
  });
  s.on("error", () => {});
  const closed = new Promise<string>((r) => s.on("close", () => r(got)));
  cleanups.push(() => s.destroy());
  return {
    s, closed, got: () => got,
    send: (text: string) => void s.write(text),
    /** Resolves once what was received includes `text`, or (a function) satisfies it. */
    until: (text: string | ((got: string) => boolean)) => new Promise<void>((resolve) => {
      const done = typeof text === "string" ? (g: string) => g.includes(text) : text;
      if (done(got)) resolve();
      else wanted = { done, resolve };
    }),
  };
}

/** Whether a new connection to the port is refused. */
const refused = (port: number) => new Promise<boolean>((r) => {
  const s = connect(port, "127.0.0.1", () => (s.destroy(), r(false)));
  s.on("error", () => r(true));
});

const bodyOf = (text: string) => text.slice(text.indexOf("\r\n\r\n") + 4);
/** The member's echo is in: the answer's blank line, then the echoed head's. */
const echoed = (got: string) => got.split("\r\n\r\n").length >= 3;

test("port 0 binds a free port: the url names it, and members get it as X-Forwarded-Port", async () => {
  const { front } = start();
  expect(front.port).toBeGreaterThan(0);
  expect(front.url).toBe(`http://127.0.0.1:${front.port}/`);
  const c = client(front.port);
  c.send(get("/echo"));
  await c.until(echoed);
  expect(bodyOf(c.got())).toContain(`x-forwarded-port: ${front.port}\r\n`);
});

test("an IPv6 host is bracketed in the url, and served", async () => {
  const { front } = start("six", { hostname: "::1" });
  expect(front.url).toBe(`http://[::1]:${front.port}/`);
  const c = client(front.port, "::1");
  c.send("GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n");
  expect(bodyOf(await c.closed)).toBe("six");
});

test("a client that half-closes after its request still gets the answer, then the connection closes", async () => {
  const { m, front } = start();
  const c = client(front.port);
  c.send(get("/slow"));
  c.s.end(); // FIN before the member has answered
  await m.arrived();
  m.release();
  expect(await c.closed).toBe(SLOW);
});

test("open() counts client connections; one that resets mid-upload stops counting and its exchange logs 499", async () => {
  const { m, front } = start();
  const [a, b] = [client(front.port), client(front.port)];
  for (const c of [a, b]) {
    c.send(get("/"));
    await c.until("\r\n\r\none");
  }
  expect(front.open()).toBe(2);
  a.send("POST /slow HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000000\r\n\r\n"); // streamed: too large to hold
  await m.arrived();
  const entry = logged.promise;
  a.s.resetAndDestroy();
  const e = await entry;
  expect([e.method, e.target, e.status]).toEqual(["POST", "/slow", 499]);
  expect(front.open()).toBe(1);
});

test("swap: the next request gets the new plan, on a new connection or one kept open; the exchange in flight finishes", async () => {
  const { m, front } = start("one");
  const busy = client(front.port);
  busy.send(get("/slow"));
  await m.arrived();
  const next = plan(m.url, "two");
  front.swap(next.lanes, deps(next.rt));
  const fresh = client(front.port);
  fresh.send(get("/"));
  await fresh.until("\r\n\r\ntwo");
  fresh.send(get("/echo"));
  await fresh.until((g) => echoed(g.slice(g.indexOf("two") + 3)));
  expect(fresh.got()).toContain(`x-forwarded-port: ${front.port}\r\n`); // the bound port, after a swap too
  m.release();
  await busy.until(SLOW);
  busy.send(get("/"));
  await busy.until("\r\n\r\ntwo");
  expect(busy.got()).toStartWith(SLOW);
  expect(bodyOf(busy.got().slice(SLOW.length))).toBe("two");
});

test("stop(false) stops accepting, closes an idle connection now, and resolves once the busy one has its answer", async () => {
  const { m, front } = start();
  const [idle, busy] = [client(front.port), client(front.port)];
  idle.send(get("/"));
  await idle.until("\r\n\r\none");
  busy.send(get("/slow"));
  await m.arrived();
  let stopped = false;
  const stopping = front.stop(false).then(() => (stopped = true));
  expect(bodyOf(await idle.closed)).toBe("one");
  expect(await refused(front.port)).toBe(true);
  expect([stopped, busy.got()]).toEqual([false, ""]);
  m.release();
  expect(await busy.closed).toBe(SLOW); // answered, then closed: the listener is stopping
  await stopping;
  expect(front.open()).toBe(0);
});

test("two stop(false) while a connection is busy (a reload's drain, then SIGTERM) both resolve when it closes", async () => {
  const { m, front } = start();
  const busy = client(front.port);
  busy.send(get("/slow"));
  await m.arrived();
  const settled: string[] = [];
  const first = front.stop(false).then(() => void settled.push("first"));
  const second = front.stop(false).then(() => void settled.push("second"));
  m.release();
  expect(await busy.closed).toBe(SLOW);
  await Promise.all([first, second]);
  expect(settled.sort()).toEqual(["first", "second"]);
});

test("stop(true) cuts a busy connection at once, without an answer", async () => {
  const { m, front } = start();
  const busy = client(front.port);
  busy.send(get("/slow"));
  await m.arrived();
  await front.stop(true);
  expect(await busy.closed).toBe("");
  expect(front.open()).toBe(0);
  m.release();
});

test("a bound port is refused to a second listener, and shared between --workers workers", () => {
  const { front } = start();
  const { rt, lanes } = plan("http://127.0.0.1:9", "x");
  const on = (port: number) => listenFront({ hostname: "127.0.0.1", port, idleTimeoutSec: 60, clientTimeouts: rt.clientTimeouts, lanes, deps: deps(rt) });
  expect(() => on(front.port)).toThrow();
  const worker = process.env.EDGE_PROXY_WORKER;
  process.env.EDGE_PROXY_WORKER = "1";
  try {
    const first = on(0);
    cleanups.push(() => first.stop(true));
    const second = on(first.port);
    cleanups.push(() => second.stop(true));
    expect(second.port).toBe(first.port);
  } finally {
    if (worker === undefined) delete process.env.EDGE_PROXY_WORKER;
    else process.env.EDGE_PROXY_WORKER = worker;
  }
});

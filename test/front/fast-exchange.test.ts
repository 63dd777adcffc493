/**
 * FastExchange on real member sockets (Bun.listen on 127.0.0.1, exact bytes) through the real
 * MemberLane and Dialer; the client is a recording ClientLink, time is the injected clock. The
 * pool offers its members in order, skipping those already tried.
 */
import { afterEach, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { Member } from "../../src/balancer/member.ts";
import type { RuntimePool, RuntimeRoute } from "../../src/config/runtime.ts";
import type { ClientLink, FastDeps } from "../../src/front/exchange.ts";
import { FastExchange } from "../../src/front/fast-exchange.ts";
import { RequestBody } from "../../src/front/request-body.ts";
import { readFastHead } from "../../src/front/request-head.ts";
import { MemberLane } from "../../src/front/upstream-lane.ts";
import type { AccessEntry } from "../../src/log/access.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { Registry } from "../../src/state/registry.ts";
import { Dialer } from "../../src/upstream/dial.ts";
import { ConnectError } from "../../src/upstream/errors.ts";

const OK = "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 12:00:00 GMT\r\nContent-Length: 5\r\n\r\nhello";
const GET = "GET /a?q=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n";
const POST = "POST /a HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2\r\n\r\n";

interface Conn { id: number; buf: string; requests: number; closed: PromiseWithResolvers<void> }
/** What a member does with each request head: the `n`th on its connection, the `conn`th connection. */
type Reply = (s: Socket<Conn>, n: number, conn: number) => void;

const listeners: TCPSocketListener<unknown>[] = [];
const lanes: MemberLane[] = [];
afterEach(() => {
  for (const l of lanes.splice(0)) l.close();
  for (const l of listeners.splice(0)) l.stop(true);
});

/** A member on 127.0.0.1; `reply` undefined: it reads and never answers. */
function member(reply?: Reply) {
  let conns = 0;
  const requests: string[] = [];
  const arrivals: PromiseWithResolvers<void>[] = [];
  const nth = (n: number) => {
    while (arrivals.length < n) arrivals.push(Promise.withResolvers());
    return arrivals[n - 1]!;
  };
  const closes: Promise<void>[] = [];
  const listener = Bun.listen<Conn>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { s.data = { id: ++conns, buf: "", requests: 0, closed: Promise.withResolvers() }; closes.push(s.data.closed.promise); },
      data(s, d) {
        s.data.buf += d.toString("latin1");
        const end = s.data.buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        requests.push(s.data.buf);
        s.data.buf = "";
        nth(requests.length).resolve();
        reply?.(s, ++s.data.requests, s.data.id);
      },
      close(s) { s.data.closed.resolve(); },
    },
  });
  listeners.push(listener as TCPSocketListener<unknown>);
  const url = `http://127.0.0.1:${listener.port}`;
  /** `arrived(n)`: the member has its `n`th request head; `closes[i]`: its `i`th connection closed. */
  return { url, requests, closes, connections: () => conns, arrived: (n: number) => nth(n).promise };
}

/** An address nothing listens on (ports 1 and 2, which no test's server can take over): connecting is refused. */
function refused(port = 1): string {
  return `http://127.0.0.1:${port}`;
}

function setup(urls: string[], retries = 1) {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now }, 3_600_000);
  const members = urls.map((url) => new Member({ url, weight: 1, route: "m", standby: false, state: "active" }));
  const laneOf = new Map(members.map((m) => [m, new MemberLane(new Dialer(m.url))]));
  lanes.push(...laneOf.values());
  const route = { label: "/", path: "/", preserveHost: false, timeouts: { connect: 1000, response: 1000, idle: 500 }, stats: new Registry().route("/") } as unknown as RuntimeRoute;
  const pool = { name: "p", pool: { members }, retries, failOnStatus: new Set(), stats: { retries: 0 } } as unknown as RuntimePool;
  const entries: AccessEntry[] = [];
  let logged = Promise.withResolvers<AccessEntry>();
  const outcomes: string[] = [];
  const events: string[] = [];
  const chosen: string[] = [];
  const deps: FastDeps = {
    choose: (_p, _x, tried) => {
      const m = members.find((c) => c.available() && !tried.has(c));
      chosen.push(m?.origin ?? "none");
      return m;
    },
    outcome: (_p, m, ok, reason) => void outcomes.push(`${m.origin} ${ok ? "ok" : "failed"}: ${reason}`),
    access: (e) => { entries.push(e); logged.resolve(e); logged = Promise.withResolvers(); },
    events: (level, msg) => void events.push(`${level} ${msg}`),
    isTrustedProxy: () => false, deadlines, wsIdleMs: 1000, lanes: laneOf, scheme: "http", port: 8080, listenerPort: 8080,
  };
  const client = { sent: [] as string[], done: [] as boolean[], aborted: false, streaming: false };
  const link: ClientLink = {
    ip: "192.0.2.7", trusted: false,
    send: (b) => (client.sent.push(Buffer.from(b).toString("latin1")), true),
    done: (k) => void client.done.push(k), abort: () => void (client.aborted = true),
    pauseReading: () => {}, resumeReading: () => {}, upgraded: () => {}, bodyEnded: () => {},
    streamBody: () => void (client.streaming = true),
  };
  /** Starts one exchange: `entry` resolves with its (first) access entry. */
  const run = (head = GET, o: { body?: string; streamed?: boolean } = {}) => {
    const h = readFastHead(head);
    const body = o.body === undefined ? undefined : Buffer.from(o.body, "latin1");
    const x = new FastExchange(link, h, h.rawPath, h.rawPath, route, pool, deps, performance.now(), body, o.streamed ? new RequestBody(h, undefined) : undefined);
    const entry = logged.promise;
    x.start();
    return { x, entry };
  };
  return { run, members, pool, route, laneOf, client, entries, outcomes, events, chosen, at: (ms: number) => { now = ms; deadlines.tick(); } };
}

test("a good answer is relayed as the member sent it and logged once with pool and member", async () => {
  const m = member((s) => void s.write(OK));
  const { run, members, client, entries, outcomes, route } = setup([m.url]);
  const e = await run().entry;
  expect(client.sent.join("")).toBe(OK);
  expect(client.done).toEqual([true]);
  expect(m.requests[0]).toStartWith("GET /a?q=1 HTTP/1.1\r\nhost: 127.0.0.1:");
  expect(m.requests[0]).toContain("x-forwarded-for: 192.0.2.7\r\nx-forwarded-proto: http\r\nx-forwarded-host: example.test\r\nx-forwarded-port: 8080\r\n");
  expect({ ...e, durationMs: 0 }).toEqual({
    clientIp: "192.0.2.7", method: "GET", target: "/a?q=1", protocol: "HTTP/1.1", status: 200, bytes: 5,
    referer: null, userAgent: "t", host: "example.test", route: "/", pool: "p", member: m.url, durationMs: 0,
  });
  expect(outcomes).toEqual([`${m.url} ok: status 200`]);
  expect([route.stats.requests, members[0]!.requests, members[0]!.bytesOut, members[0]!.inflight]).toEqual([1, 1, 5, 0]);
  expect(entries.length).toBe(1);
});

test("bytraffic's count takes the request body as well as the response (Apache counts both ways)", async () => {
  const m = member((s) => void s.write(OK));
  const { run, members } = setup([m.url]);
  await run("POST /a HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2000\r\n\r\n", { body: "x".repeat(2000) }).entry;
  expect([members[0]!.bytes, members[0]!.bytesIn, members[0]!.bytesOut]).toEqual([2005, 2000, 5]);
});

test("a refused member is skipped for the next one: a retry, and the log names the member that answered", async () => {
  const dead = refused();
  const m = member((s) => void s.write(OK));
  const { run, members, pool, client, entries, outcomes, events } = setup([dead, m.url]);
  const e = await run(POST, { body: "hi" }).entry; // never connected: any method may go on
  expect(client.sent.join("")).toBe(OK);
  expect([e.status, e.pool, e.member]).toEqual([200, "p", m.url]);
  expect(pool.stats.retries).toBe(1);
  expect(members[0]!.connectFailures).toBe(1);
  expect(outcomes[0]).toStartWith(`${dead} failed: connect failed: `);
  expect(outcomes[1]).toBe(`${m.url} ok: status 200`);
  expect(events[0]).toEndWith("; retrying on another member");
  expect(m.requests[0]).toEndWith("\r\n\r\nhi");
  expect(entries.length).toBe(1);
});

test("a refused member with no other member in the pool: the log says so, and no retry is counted", async () => {
  const { run, pool, client, events } = setup([refused()]);
  const e = await run(POST, { body: "hi" }).entry;
  expect(e.status).toBe(502);
  expect(client.sent.join("")).toContain("every member of pool p that was tried failed");
  expect(events[0]).toEndWith("; no other member to try");
  expect(pool.stats.retries).toBe(0);
});

test("with no retries left a refused member is a 502", async () => {
  const m = member((s) => void s.write(OK));
  const { run, pool, client, chosen, entries } = setup([refused(), m.url], 0);
  const e = await run().entry;
  expect(client.sent.join("")).toStartWith("HTTP/1.1 502 Bad Gateway\r\n");
  expect(client.sent.join("")).toEndWith("\r\n\r\n502 Bad Gateway: upstream error from pool p\n");
  expect([e.status, chosen.length, pool.stats.retries, m.connections()]).toEqual([502, 1, 0, 0]);
  expect(entries.length).toBe(1);
});

test("when every member was tried and failed the answer is 502", async () => {
  const [a, b] = [refused(1), refused(2)];
  const { run, pool, client, chosen, entries } = setup([a, b], 5);
  const e = await run().entry;
  expect(client.sent.join("")).toEndWith("\r\n\r\n502 Bad Gateway: every member of pool p that was tried failed\n");
  expect([e.status, e.pool, e.member]).toEqual([502, "p", b]);
  expect(chosen).toEqual([a, b, "none"]);
  expect(pool.stats.retries).toBe(1); // b was a retry; looking for a third member was not
  expect(entries.length).toBe(1);
});

test("a POST that failed after connecting is not tried again: 502", async () => {
  const closer = member((s) => void s.end()); // reads the request, closes without an answer
  const good = member((s) => void s.write(OK));
  const { run, pool, client, chosen, entries, outcomes } = setup([closer.url, good.url], 3);
  const e = await run(POST, { body: "hi" }).entry;
  expect(client.sent.join("")).toEndWith("\r\n\r\n502 Bad Gateway: upstream error from pool p\n");
  expect([e.status, e.member]).toEqual([502, closer.url]);
  expect([chosen.length, pool.stats.retries, good.connections()]).toEqual([1, 0, 0]);
  expect(outcomes).toEqual([`${closer.url} failed: upstream error: upstream closed the connection before responding`]);
  expect(entries.length).toBe(1);
});

test("a response timeout on a GET is tried on the next member; with no member left the answer is 504", async () => {
  const [a, b] = [member(), member()]; // both read the request and never answer
  const { run, pool, client, chosen, entries, outcomes, at } = setup([a.url, b.url], 2);
  const { entry } = run();
  await a.arrived(1);
  at(999);
  expect(chosen).toEqual([a.url]);
  at(1000);
  await b.arrived(1);
  expect(pool.stats.retries).toBe(1);
  await a.closes[0]; // the timed-out try's connection is dropped
  at(2000);
  const e = await entry;
  expect(client.sent.join("")).toStartWith("HTTP/1.1 504 Gateway Timeout\r\n");
  expect(client.sent.join("")).toEndWith("\r\n\r\n504 Gateway Timeout: a member of pool p did not answer in time\n");
  expect([e.status, e.member]).toEqual([504, b.url]);
  expect(chosen).toEqual([a.url, b.url, "none"]);
  expect(outcomes).toEqual([`${a.url} failed: upstream response timeout`, `${b.url} failed: upstream response timeout`]);
  expect(entries.length).toBe(1);
});

test("a response timeout on a POST is answered 504 without another try", async () => {
  const [a, b] = [member(), member((s) => void s.write(OK))];
  const { run, chosen, entries, at } = setup([a.url, b.url], 2);
  const { entry } = run(POST, { body: "hi" });
  await a.arrived(1);
  at(1000);
  expect((await entry).status).toBe(504);
  expect([chosen.length, b.connections(), entries.length]).toEqual([1, 0, 1]);
});

test("no member available: 503 without a pool or member in the log", async () => {
  const none = setup([]);
  const e = await none.run().entry;
  expect(none.client.sent.join("")).toStartWith("HTTP/1.1 503 Service Unavailable\r\n");
  expect(none.client.sent.join("")).toEndWith("\r\n\r\n503 Service Unavailable: no member of pool p is available\n");
  // The body it got is what the log counts (%b), as NGINX logs its own error pages.
  expect([e.status, e.pool, e.member, e.bytes]).toEqual([503, "", "", "503 Service Unavailable: no member of pool p is available\n".length]);
  expect(none.client.done).toEqual([true]);
  const down = setup([member().url]);
  down.members[0]!.healthy = false;
  expect((await down.run().entry).status).toBe(503);
  expect([none.entries.length, down.entries.length]).toEqual([1, 1]);
});

test("a pooled connection the member closed as it was reused is replayed once on a new one for a GET", async () => {
  // The member answers the first request of each connection, and closes its first connection at the second.
  const m = member((s, n, conn) => void (n === 1 ? s.write(OK) : conn === 1 && s.end()));
  const { run, pool, client, entries, chosen } = setup([m.url]);
  await run().entry;
  const e = await run().entry;
  expect(client.sent.join("")).toBe(OK + OK);
  expect([e.status, e.member, m.connections(), m.requests.length]).toEqual([200, m.url, 2, 3]);
  expect([chosen.length, pool.stats.retries, entries.length]).toEqual([2, 0, 2]);
});

test("a POST on a pooled connection the member closed is not replayed: 502", async () => {
  const m = member((s, n) => void (n === 1 ? s.write(OK) : s.end()));
  const { run, client, entries } = setup([m.url], 0);
  await run().entry;
  const e = await run(POST, { body: "hi" }).entry;
  expect(client.sent.at(-1)).toEndWith("\r\n\r\n502 Bad Gateway: upstream error from pool p\n");
  expect([e.status, m.connections(), entries.length]).toEqual([502, 1, 2]);
});

test("a member that closes mid-body cuts the client; the log has its status and the bytes relayed", async () => {
  const m = member((s) => void s.end("HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 12:00:00 GMT\r\nContent-Length: 10\r\n\r\nabc"));
  const { run, client, entries, outcomes } = setup([m.url]);
  const e = await run().entry;
  expect(client.aborted).toBe(true);
  expect(client.done).toEqual([]);
  expect([e.status, e.bytes, e.member]).toEqual([200, 3, m.url]);
  expect(outcomes).toEqual([`${m.url} failed: body: upstream closed the connection mid-body`]);
  expect(entries.length).toBe(1);
});

test("the client leaving before the head: the try runs to the member's answer, which counts, and the log says 499", async () => {
  let answer!: () => void;
  const m = member((s) => void (answer = () => s.write(OK)));
  const { run, client, entries, outcomes } = setup([m.url]);
  const { x, entry } = run();
  await m.arrived(1);
  x.clientGone();
  expect(entries.length).toBe(0);
  answer();
  const e = await entry;
  expect([e.status, e.bytes, e.pool, e.member]).toEqual([499, 0, "p", m.url]);
  expect(client.sent).toEqual([]);
  expect(outcomes).toEqual([`${m.url} ok: status 200`]);
  expect(entries.length).toBe(1);
});

test("the client leaving before the head of a member that never answers: the timeout counts against it, no retry, 499", async () => {
  const [a, b] = [member(), member((s) => void s.write(OK))];
  const { run, client, chosen, entries, outcomes, at } = setup([a.url, b.url], 2);
  const { x, entry } = run();
  await a.arrived(1);
  x.clientGone();
  at(1000);
  const e = await entry;
  expect([e.status, e.member]).toEqual([499, a.url]);
  expect(outcomes).toEqual([`${a.url} failed: upstream response timeout`]);
  expect([client.sent.length, chosen.length, b.connections(), entries.length]).toEqual([0, 1, 0, 1]);
});

test("a streamed body that stalls before the head ends the try as the client's fault and logs 408", async () => {
  const m = member();
  const { run, client, entries, outcomes } = setup([m.url]);
  const { x, entry } = run("PUT /up HTTP/1.1\r\nHost: example.test\r\nContent-Length: 100000\r\n\r\n", { streamed: true });
  await m.arrived(1);
  expect(client.streaming).toBe(true);
  expect(x.bodyStalled()).toBe(true); // the connection may answer 408 itself
  const e = await entry;
  expect([e.status, e.member]).toEqual([408, m.url]);
  expect(outcomes).toEqual([`${m.url} ok: client body stalled`]);
  expect(client.sent).toEqual([]);
  await m.closes[0];
  expect(entries.length).toBe(1);
});

test("while a connect hangs only the connect timeout runs: past the response timeout it is still a connect failure, retried for a POST", async () => {
  const good = member((s) => void s.write(OK));
  const { run, members, laneOf, route, pool, client, entries, chosen, at } = setup([refused(), good.url], 1);
  (route.timeouts as { connect: number }).connect = 5000; // longer than the response timeout (1000)
  const hang = Promise.withResolvers<never>();
  laneOf.get(members[0]!)!.connect = () => hang.promise; // a SYN nobody answers
  const { entry } = run(POST, { body: "hi" });
  at(2000);
  expect([chosen, client.sent, entries.length]).toEqual([[members[0]!.origin], [], 0]);
  hang.reject(new ConnectError("ETIMEDOUT", "connect to 127.0.0.1:1 timed out after 5000 ms")); // what the Dialer says at 5 s
  const e = await entry;
  expect([e.status, e.member, pool.stats.retries, members[0]!.connectFailures]).toEqual([200, good.url, 1, 1]);
  expect(good.requests[0]).toEndWith("\r\n\r\nhi");
});

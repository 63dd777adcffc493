import { afterEach, expect, test } from "bun:test";
import type { Socket } from "bun";
import { IDLE_MS, MAX_IDLE, MemberLane, type LaneClock, type LaneSocket, type LaneUser } from "../../src/front/upstream-lane.ts";
import { Dialer } from "../../src/upstream/dial.ts";
import { ConnectError } from "../../src/upstream/errors.ts";

/** The member's side of one connection. */
interface Conn { closed: PromiseWithResolvers<void> }

/** A real member on 127.0.0.1: the test claims the server side of each connection as it is accepted. */
function memberServer() {
  const unclaimed: Socket<Conn>[] = [];
  const claims: ((s: Socket<Conn>) => void)[] = [];
  const listener = Bun.listen<Conn>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) {
        s.data = { closed: Promise.withResolvers() };
        const claim = claims.shift();
        if (claim) claim(s);
        else unclaimed.push(s);
      },
      data() {},
      close(s) { s.data.closed.resolve(); },
    },
  });
  const accepted = (): Promise<Socket<Conn>> => {
    const s = unclaimed.shift();
    return s ? Promise.resolve(s) : new Promise((r) => claims.push(r));
  };
  return { listener, accepted, url: new URL(`http://127.0.0.1:${listener.port}`) };
}

/** A lane that says when a closed idle socket leaves its stack. */
class WatchedLane extends MemberLane {
  forgotten = Promise.withResolvers<LaneSocket>();
  override forget(s: LaneSocket): void {
    super.forget(s);
    this.forgotten.resolve(s);
    this.forgotten = Promise.withResolvers();
  }
}

/** Whoever holds a socket: records what reaches it. */
function user() {
  const got: string[] = [];
  let arrived = Promise.withResolvers<string>();
  const closed = Promise.withResolvers<Error | undefined>();
  const u: LaneUser = {
    upstreamData(_s, d) { got.push(d.toString("latin1")); arrived.resolve(d.toString("latin1")); arrived = Promise.withResolvers(); },
    upstreamDrain() {},
    upstreamClosed(_s, err) { closed.resolve(err); },
  };
  return { u, got, next: () => arrived.promise, closed: closed.promise };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A clock the test moves: `sweep()` runs the repeating timer once, as if its interval passed. */
function fakeClock() {
  let t = 1_000;
  let tick: (() => void) | undefined;
  const clock: LaneClock = {
    now: () => t,
    every(_ms, fn) {
      tick = fn;
      return () => { tick = undefined; };
    },
  };
  return {
    clock,
    advance(ms: number) { t += ms; },
    get running() { return tick !== undefined; },
    sweep() { tick?.(); },
  };
}

function setup(clock?: LaneClock) {
  const server = memberServer();
  const lane = new WatchedLane(new Dialer(server.url), clock);
  cleanups.push(() => { lane.close(); server.listener.stop(true); });
  /** A new connection held by `holder`, and its member side. */
  const open = async (holder: LaneUser) => {
    const [s, member] = await Promise.all([lane.connect(holder, 1000), server.accepted()]);
    return { s, member };
  };
  return { server, lane, open };
}

test("a new connection's bytes go to its user; its close is the user's to hear", async () => {
  const { lane, open } = setup();
  const a = user();
  const { s, member } = await open(a.u);
  member.write("HTTP/1.1 200 OK\r\n");
  expect(await a.next()).toBe("HTTP/1.1 200 OK\r\n");
  member.end();
  expect(await a.closed).toBeUndefined();
  expect([s.data.closed, s.data.user, lane.idleCount]).toEqual([true, undefined, 0]);
});

test("released sockets are taken back last in, first out, each by its new user", async () => {
  const { lane, open } = setup();
  const first = await open(user().u);
  const second = await open(user().u);
  lane.release(first.s);
  lane.release(second.s);
  expect(lane.idleCount).toBe(2);
  const b = user();
  expect(lane.take(b.u)).toBe(second.s);
  expect(lane.take(user().u)).toBe(first.s);
  expect(lane.take(user().u)).toBeUndefined();
  second.member.write("hello");
  expect(await b.next()).toBe("hello");
});

test("an idle socket the member closes leaves the stack: take skips to the one below", async () => {
  const { lane, open } = setup();
  const older = await open(user().u);
  const newer = await open(user().u);
  lane.release(older.s);
  lane.release(newer.s);
  newer.member.end();
  expect(await lane.forgotten.promise).toBe(newer.s);
  expect([lane.idleCount, newer.s.data.closed]).toEqual([1, true]);
  expect(lane.take(user().u)).toBe(older.s);
});

test("a socket closed while held is not kept when released", async () => {
  const { lane, open } = setup();
  const a = user();
  const { s, member } = await open(a.u);
  member.end();
  await a.closed;
  lane.release(s);
  expect([lane.idleCount, s.data.user]).toEqual([0, undefined]);
  expect(lane.take(user().u)).toBeUndefined();
});

test("bytes on an idle socket answer nothing asked: the socket is terminated and dropped", async () => {
  const { lane, open } = setup();
  const a = user();
  const { s, member } = await open(a.u);
  lane.release(s);
  member.write("HTTP/1.1 408 Request Timeout\r\n\r\n");
  expect(await lane.forgotten.promise).toBe(s);
  await member.data.closed.promise;
  expect([lane.idleCount, s.data.closed, a.got]).toEqual([0, true, []]);
  expect(lane.take(user().u)).toBeUndefined();
});

test("close() ends every idle socket, and a socket released after it is ended, not kept", async () => {
  const { lane, open } = setup();
  const first = await open(user().u);
  const second = await open(user().u);
  const late = await open(user().u);
  lane.release(first.s);
  lane.release(second.s);
  lane.close();
  expect(lane.idleCount).toBe(0);
  await Promise.all([first.member.data.closed.promise, second.member.data.closed.promise]);
  lane.release(late.s);
  expect(lane.idleCount).toBe(0);
  await late.member.data.closed.promise;
  expect(lane.take(user().u)).toBeUndefined();
});

test("the sweep ends sockets idle for 60 s, keeps younger ones, and stops when none is left", async () => {
  const time = fakeClock();
  const { lane, open } = setup(time.clock);
  const old = await open(user().u);
  const young = await open(user().u);
  expect(time.running).toBe(false);
  lane.release(old.s);
  expect(time.running).toBe(true);
  time.advance(IDLE_MS - 10_000);
  lane.release(young.s);
  time.advance(9_999);
  time.sweep();
  expect(lane.idleCount).toBe(2);
  time.advance(1);
  time.sweep();
  await old.member.data.closed.promise;
  expect(lane.idleCount).toBe(1);
  expect(lane.take(user().u)).toBe(young.s);
  lane.release(young.s);
  time.advance(IDLE_MS);
  time.sweep();
  await young.member.data.closed.promise;
  expect([lane.idleCount, time.running]).toEqual([0, false]);
});

test("a socket taken back before the sweep is not ended by it", async () => {
  const time = fakeClock();
  const { lane, open } = setup(time.clock);
  const a = await open(user().u);
  lane.release(a.s);
  const holder = user();
  expect(lane.take(holder.u)).toBe(a.s);
  time.advance(IDLE_MS * 2);
  time.sweep();
  a.member.write("still open");
  expect(await holder.next()).toBe("still open");
  expect(a.s.data.closed).toBe(false);
});

test(`past ${MAX_IDLE} idle sockets a released one is ended, not kept`, async () => {
  const { lane, open } = setup();
  const held: Awaited<ReturnType<typeof open>>[] = [];
  // In batches, so the member's accept backlog never overflows into SYN retries.
  while (held.length <= MAX_IDLE) {
    const batch = Math.min(128, MAX_IDLE + 1 - held.length);
    held.push(...(await Promise.all(Array.from({ length: batch }, () => open(user().u)))));
  }
  for (const h of held.slice(0, MAX_IDLE)) lane.release(h.s);
  expect(lane.idleCount).toBe(MAX_IDLE);
  const extra = held[MAX_IDLE]!;
  lane.release(extra.s);
  await extra.member.data.closed.promise;
  expect(lane.idleCount).toBe(MAX_IDLE);
  expect(lane.take(user().u)).toBe(held[MAX_IDLE - 1]!.s);
});

test("a member nobody listens for is a ConnectError", async () => {
  // Port 1 (tcpmux) is never served on these machines; a just-released port could be reused.
  const url = new URL("http://127.0.0.1:1");
  const lane = new MemberLane(new Dialer(url));
  const err = await lane.connect(user().u, 1000).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectError);
  expect([(err as ConnectError).code, (err as ConnectError).message]).toEqual(["ECONNREFUSED", `connect ECONNREFUSED 127.0.0.1:${url.port}`]);
});

/**
 * A try (try-request.ts, try-response.ts) on fake sockets: the member's socket takes as many
 * bytes as `room` allows, the client's link records what it gets, time is driven by hand, and
 * each way a try can end is recorded instead of decided (that is fast-exchange.ts's business).
 */
import { Member } from "../../src/balancer/member.ts";
import type { RuntimePool, RuntimeRoute } from "../../src/config/runtime.ts";
import type { ClientLink, FastDeps } from "../../src/front/exchange.ts";
import { RequestBody } from "../../src/front/request-body.ts";
import { readFastHead } from "../../src/front/request-head.ts";
import { TryResponse } from "../../src/front/try-response.ts";
import type { LaneSocket, LaneUser, MemberLane } from "../../src/front/upstream-lane.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";

class RecordedTry extends TryResponse {
  readonly ended: string[] = [];
  run(member: Member, pooled: boolean): void {
    this.begin(member, pooled);
  }
  get stateName(): string { return ["head", "body", "over", "tunnel"][this.state]!; }
  protected override failed(e: Error, connected: boolean): void { this.ended.push(`failed${connected ? "" : " to connect"}: ${e.message}`); this.stop(); }
  protected override ruleFailed(e: Error): void { this.ended.push(`rule failed: ${e.message}`); this.stop(); }
  protected override bodyFailed(e: Error): void { this.ended.push(`body refused: ${e.message}`); this.stop(); }
  protected override cut(e: Error): void { this.ended.push(`cut: ${e.message}`); this.stop(); }
  protected override responded(): void { this.ended.push(`responded ${this.head!.status}, ${this.relay!.bytes} body bytes`); }
  protected override abandoned(status: number): void { this.ended.push(`abandoned ${status}`); this.stop(); }
  protected override closedBeforeHead(_err: Error | undefined, raced: boolean): void { this.ended.push(raced ? "closed: raced" : "closed before head"); }
  protected override tunnelOver(bytesOut: number, bytesIn: number): void { this.ended.push(`tunnel over ${bytesOut}/${bytesIn}`); }
  override clientGone(): void { this.ended.push("client gone"); this.clientLeft = true; }
}

export function memberSocket() {
  const state = { room: Infinity, paused: false, terminated: false, ended: false, written: [] as string[] };
  const sock = {
    data: { user: undefined as LaneUser | undefined, closed: false },
    // Bun's socket.write(data, byteOffset, byteLength): the engine passes a length with its reused buffer.
    write(b: Uint8Array | string, off = 0, len?: number) {
      const bytes = typeof b === "string" ? Buffer.from(b, "latin1") : b.subarray(off, len === undefined ? undefined : off + len);
      const n = Math.max(0, Math.min(bytes.byteLength, state.room));
      state.room -= n;
      if (n > 0) state.written.push(Buffer.from(bytes.subarray(0, n)).toString("latin1"));
      return n;
    },
    pause() { state.paused = true; }, resume() { state.paused = false; },
    terminate() { state.terminated = true; }, end() { state.ended = true; },
  };
  return { sock: sock as unknown as LaneSocket, state };
}

export interface TryOptions {
  /** The raw request head (CRLF line ends, blank line included). */
  head?: string;
  body?: string;
  /** Stream a body of this head (Content-Length or chunked) instead of holding one. */
  streamed?: boolean;
  /** The lane has an idle socket to reuse. */
  pooled?: boolean;
  /** Bytes the member's socket takes before it is full (default: all). */
  room?: number;
}

export function tryOn(o: TryOptions = {}) {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now });
  const member = new Member({ url: "http://127.0.0.1:9", weight: 1, route: "m", standby: false, state: "active" });
  const upstream = memberSocket();
  upstream.state.room = o.room ?? Infinity;
  const released: LaneSocket[] = [];
  const lane = {
    take: (user: LaneUser) => (o.pooled ? ((upstream.sock.data.user = user), upstream.sock) : undefined),
    connect: (user: LaneUser) => Promise.resolve().then(() => ((upstream.sock.data.user = user), upstream.sock)),
    release: (s: LaneSocket) => void released.push(s),
  } as unknown as MemberLane;
  const client = { sent: [] as string[], takes: true, paused: false, done: [] as boolean[], aborted: false, streaming: false, bodyEnded: false, upgraded: false };
  const link: ClientLink = {
    ip: "192.0.2.7", trusted: false,
    send: (b) => (client.sent.push(Buffer.from(b).toString("latin1")), client.takes),
    done: (k) => void client.done.push(k), abort: () => void (client.aborted = true),
    pauseReading: () => void (client.paused = true), resumeReading: () => void (client.paused = false),
    upgraded: () => void (client.upgraded = true), streamBody: () => void (client.streaming = true),
    bodyEnded: () => void (client.bodyEnded = true),
  };
  const route = { label: "/", path: "/", timeouts: { connect: 1000, response: 1000, idle: 500 } } as unknown as RuntimeRoute;
  const pool = { name: "p", failOnStatus: new Set() } as unknown as RuntimePool;
  const outcomes: string[] = [];
  const deps = {
    deadlines, lanes: new Map([[member, lane]]), scheme: "http", port: 80, wsIdleMs: 1000, events: () => {},
    outcome: (_p: RuntimePool, _m: Member, ok: boolean, reason: string) => void outcomes.push(`${ok ? "ok" : "failed"}: ${reason}`),
  } as unknown as FastDeps;
  const h = readFastHead(o.head ?? "GET /a HTTP/1.1\r\nHost: example.test\r\n\r\n");
  const body = o.body !== undefined && !o.streamed ? Buffer.from(o.body, "latin1") : undefined;
  const stream = o.streamed ? new RequestBody(h, undefined) : undefined;
  const t = new RecordedTry(link, h, h.rawPath, h.rawPath, route, pool, deps, body, stream);
  t.run(member, o.pooled ?? false);
  const fromMember = (text: string) => t.upstreamData(upstream.sock, Buffer.from(text, "latin1"));
  return { t, upstream, client, released, outcomes, fromMember, at: (ms: number) => { now = ms; deadlines.tick(); } };
}

/** Lets a connect promise settle. */
export const settled = () => new Promise<void>((r) => setTimeout(r, 0));

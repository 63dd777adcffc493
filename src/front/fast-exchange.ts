/**
 * The fast lane's spine for one body-less request on a pool route: pick member -> forward ->
 * relay the response, on raw sockets, with the spine's answers (proxy/forward.ts retries and
 * 502/503/504 texts, respond.ts body rules, the same access log line and health outcomes).
 * The response body is relayed as framed by the member (Content-Length or chunked, never
 * re-encoded); a member that dies mid-body cuts the client connection (as respond.ts does).
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimePool, RuntimeRoute } from "../config/runtime.ts";
import type { AccessLog } from "../log/access.ts";
import type { EventLog } from "../log/events.ts";
import type { Deadlines, Watch } from "../proxy/deadlines.ts";
import { errorBytes, type ProxyErrorKind } from "../proxy/errors.ts";
import type { ForwardDeps } from "../proxy/forward.ts";
import { upstreamTarget } from "../proxy/upstream-request.ts";
import { ChunkedDecoder } from "../upstream/chunked-decoder.ts";
import { ConnectError, UpstreamError } from "../upstream/errors.ts";
import type { FastHead } from "./request-head.ts";
import { clientHead, hasNoBody, type ClientHead } from "./response-head.ts";
import type { LaneSocket, LaneUser, MemberLane } from "./upstream-lane.ts";

export interface ClientLink {
  readonly ip: string;
  /** Writes or queues bytes for the client; false when some had to be queued (backpressure). */
  send(bytes: Uint8Array): boolean;
  /** The exchange is over; without keep-alive the connection closes once its bytes are out. */
  done(keepAlive: boolean): void;
  /** Cuts the connection: a truncated body must not look complete. */
  abort(): void;
}

export interface FastDeps extends Pick<ForwardDeps, "choose" | "outcome" | "isTrustedProxy"> {
  deadlines: Deadlines;
  events: EventLog;
  access: AccessLog;
  lanes: ReadonlyMap<Member, MemberLane>;
  scheme: "http" | "https";
  port: number;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const W_HEAD = 0, W_BODY = 1, W_OVER = 2;

export class FastExchange implements LaneUser {
  readonly clientIp: string;
  readonly rawTarget: string;
  #state = W_HEAD;
  #member: Member | undefined;
  #sock: LaneSocket | undefined;
  #tried: Set<Member> | undefined;
  #attempts = 0;
  #reused = false;
  #watch: Watch | undefined;
  #partial: Buffer | undefined;
  #head: ClientHead | undefined;
  #remaining = 0;
  #decoder: ChunkedDecoder | undefined;
  #bytes = 0;
  #reusable = true;
  #waitingDrain = false;

  readonly client: ClientLink;
  readonly h: FastHead;
  readonly path: string;
  readonly canonical: string;
  readonly route: RuntimeRoute;
  readonly pool: RuntimePool;
  readonly deps: FastDeps;
  readonly started: number;

  constructor(client: ClientLink, h: FastHead, path: string, canonical: string, route: RuntimeRoute, pool: RuntimePool, deps: FastDeps, started: number) {
    this.client = client;
    this.h = h;
    this.path = path;
    this.canonical = canonical;
    this.route = route;
    this.pool = pool;
    this.deps = deps;
    this.started = started;
    this.clientIp = client.ip;
    this.rawTarget = h.target;
  }

  get query(): string {
    return this.h.query;
  }

  start(): void {
    const member = this.deps.choose(this.pool, this, this.#tried ?? NONE);
    if (!member) {
      if (this.#tried) return this.#answer("upstream", `502 Bad Gateway: every member of pool ${this.pool.name} that was tried failed`);
      return this.#answer("unavailable", `503 Service Unavailable: no member of pool ${this.pool.name} is available`);
    }
    this.#member = member;
    this.#attempts++;
    member.begin();
    const lane = this.deps.lanes.get(member)!;
    this.#watch = this.deps.deadlines.watch(this.route.timeouts.response, () => this.#failed(new UpstreamError("ETIMEDOUT", "upstream response timeout"), true));
    const sock = lane.take(this);
    if (sock) return this.#sendOn(sock, true);
    this.#connect(lane, member);
  }

  #connect(lane: MemberLane, member: Member): void {
    lane.connect(this, this.pool.timeouts.connect).then(
      (s) => {
        if (this.#member !== member || this.#state !== W_HEAD) return void lane.release(s); // we gave up meanwhile
        this.#sendOn(s, false);
      },
      (e: Error) => {
        if (this.#member === member && this.#state === W_HEAD) this.#failed(e, false);
      },
    );
  }

  #sendOn(s: LaneSocket, reused: boolean): void {
    this.#sock = s;
    this.#reused = reused;
    this.#partial = undefined;
    s.write(this.#requestHead(this.#member!));
  }

  /** ASCII only (request-head.ts admits nothing else), so the string goes out as its bytes. */
  #requestHead(member: Member): string {
    const h = this.h;
    const trusted = this.deps.isTrustedProxy(this.clientIp);
    const host = this.route.preserveHost ? h.hostHeader : member.url.host;
    const xff = trusted && h.xForwardedFor !== null ? `${h.xForwardedFor}, ${this.clientIp}` : this.clientIp;
    const proto = trusted && h.xForwardedProto !== null ? h.xForwardedProto : this.deps.scheme;
    const xhost = trusted && h.xForwardedHost !== null ? h.xForwardedHost : h.hostHeader;
    const xport = trusted && h.xForwardedPort !== null ? h.xForwardedPort : String(this.deps.port);
    return `${h.method} ${upstreamTarget(this, member)} HTTP/1.1\r\n${h.beforeHost}host: ${host}\r\n${h.afterHost}${trusted ? h.trustedOnly : ""}` +
      `x-forwarded-for: ${xff}\r\nx-forwarded-proto: ${proto}\r\nx-forwarded-host: ${xhost}\r\nx-forwarded-port: ${xport}\r\n\r\n`;
  }

  upstreamDrain(): void {}

  upstreamData(s: LaneSocket, d: Buffer): void {
    if (this.#state === W_BODY) return this.#body(d, 0);
    if (this.#state !== W_HEAD) return;
    let buf = this.#partial ? Buffer.concat([this.#partial, d]) : d;
    for (;;) {
      const end = headEnd(buf);
      if (end < 0) {
        if (buf.byteLength > 65536) return this.#failed(new UpstreamError("EMALFORMED", "malformed upstream response: head too large"), true);
        this.#partial = buf;
        return;
      }
      // RFC 9110 15.2: interim 1xx responses precede the final one; drop them (never 101: we sent no Upgrade).
      if (buf[9] === 49 && !(buf[10] === 48 && buf[11] === 49) && buf[0] === 72) {
        buf = buf.subarray(end);
        continue;
      }
      let head: ClientHead;
      try {
        head = clientHead(buf, end, buf.toString("latin1", 0, end), this.#headContext(), this.h.method === "HEAD");
      } catch (e) {
        return this.#failed(e as Error, true);
      }
      this.#startBody(s, head, buf, end);
      return;
    }
  }

  #headContext() {
    return { route: this.route, scheme: this.deps.scheme, hostHeader: this.h.hostHeader, clientIp: this.clientIp, member: this.#member!.origin, close: this.h.close };
  }

  #startBody(s: LaneSocket, head: ClientHead, buf: Buffer, end: number): void {
    this.deps.deadlines.clear(this.#watch!);
    this.#head = head;
    this.#state = W_BODY;
    if (head.upstreamClose) this.#reusable = false;
    if (hasNoBody(head.status, this.h.method === "HEAD")) this.#remaining = 0;
    else if (head.chunked) this.#decoder = new ChunkedDecoder();
    else this.#remaining = head.contentLength; // -1: until the member closes
    this.#watch = undefined; // the idle watch starts only if the body outlasts this first chunk (#body)
    const complete = this.#remaining === 0 && !this.#decoder;
    if (head.bytes === undefined) {
      // The member's head goes out as it came, with the first body bytes in the same write.
      this.#body(buf, end, true);
      return;
    }
    this.#write(head.bytes);
    if (complete) {
      if (buf.byteLength > end) this.#reusable = false;
      return this.#finish();
    }
    this.#body(buf, end);
  }

  /** Relays body bytes from buf[from..]; `withHead` writes buf from 0 (the head is in it, untouched). */
  #body(buf: Buffer, from: number, withHead = false): void {
    let end = buf.byteLength;
    let over = false;
    if (this.#decoder) {
      let data = 0;
      const at = this.#decoder.feed(buf, from, (b) => (data += b.byteLength));
      this.#bytes += data;
      if (at >= 0) { end = at; over = true; }
    } else if (this.#remaining >= 0) {
      const take = Math.min(this.#remaining, end - from);
      end = from + take;
      this.#remaining -= take;
      this.#bytes += take;
      over = this.#remaining === 0;
    } else this.#bytes += end - from;
    if (end < buf.byteLength) this.#reusable = false; // bytes past the response: the connection is out of step
    const start = withHead ? 0 : from;
    if (end > start) this.#write(start === 0 && end === buf.byteLength ? buf : buf.subarray(start, end));
    if (over) this.#finish();
    else if (this.#watch) this.deps.deadlines.extend(this.#watch, this.route.timeouts.idle);
    else this.#watch = this.deps.deadlines.watch(this.route.timeouts.idle, () => this.#cut(new UpstreamError("ETIMEDOUT", "upstream idle timeout")));
  }

  #write(bytes: Uint8Array): void {
    if (!this.client.send(bytes) && this.#sock && !this.#waitingDrain) {
      this.#waitingDrain = true;
      this.#sock.pause(); // read the member no faster than the client takes bytes
    }
  }

  /** The client took everything queued. */
  clientDrained(): void {
    if (!this.#waitingDrain) return;
    this.#waitingDrain = false;
    if (this.#state === W_BODY) this.#sock?.resume();
  }

  upstreamClosed(_s: LaneSocket, err: Error | undefined): void {
    this.#sock = undefined;
    if (this.#state === W_BODY) {
      if (this.#remaining < 0 && !this.#decoder) return this.#finish(); // close-delimited: complete
      return this.#cut(err ?? new UpstreamError("ECONNRESET", "upstream closed the connection mid-body"));
    }
    if (this.#state !== W_HEAD) return;
    // The keep-alive race (RFC 9112 9.3.1): a pooled connection closed as we reused it. Replayed
    // once on a fresh connection to the same member, for idempotent methods (replay-policy.ts).
    if (this.#reused && this.#partial === undefined && IDEMPOTENT.has(this.h.method)) {
      this.#reused = false;
      return this.#connect(this.deps.lanes.get(this.#member!)!, this.#member!);
    }
    this.#failed(err ?? new UpstreamError("ECONNRESET", "upstream closed the connection before responding"), true);
  }

  /** A try failed before the response head: retry per forward.ts, or answer 502/504. */
  #failed(e: Error, connected: boolean): void {
    const member = this.#member!;
    this.deps.deadlines.clear(this.#watch!);
    this.#dropSocket();
    member.end(0);
    const timedOut = e instanceof UpstreamError && e.code === "ETIMEDOUT";
    const reason = timedOut ? e.message : e instanceof ConnectError ? `connect failed: ${e.message}` : `upstream error: ${e.message}`;
    this.deps.outcome(this.pool, member, false, reason);
    (this.#tried ??= new Set()).add(member);
    const retryable = !connected ? true : !timedOut && IDEMPOTENT.has(this.h.method);
    if (retryable && this.#attempts <= this.pool.retries) {
      this.deps.events("warn", `pool=${this.pool.name} member=${member.origin} ${reason}; retrying on another member`);
      return this.start();
    }
    this.deps.events("error", `pool=${this.pool.name} member=${member.origin} ${reason}`);
    if (timedOut) return this.#answer("timeout", `504 Gateway Timeout: ${member.origin} did not answer in time`);
    if (e instanceof ConnectError && e.code === "ETIMEDOUT") return this.#answer("timeout", `504 Gateway Timeout: could not connect to a member of pool ${this.pool.name} in time`);
    this.#answer("upstream", `502 Bad Gateway: upstream error from pool ${this.pool.name}`);
  }

  /** The member failed mid-body: the client connection is cut (respond.ts does the same). */
  #cut(err: Error): void {
    if (this.#state !== W_BODY) return;
    this.#state = W_OVER;
    if (this.#watch) this.deps.deadlines.clear(this.#watch);
    this.#dropSocket();
    const member = this.#member!;
    member.end(this.#bytes);
    this.deps.outcome(this.pool, member, false, `body: ${err.message}`);
    this.deps.events("warn", `pool=${this.pool.name} member=${member.origin} response aborted after ${this.#bytes} bytes: ${err.message}`);
    this.#log(this.#head!.status);
    this.client.abort();
  }

  #finish(): void {
    this.#state = W_OVER;
    if (this.#watch) this.deps.deadlines.clear(this.#watch);
    const member = this.#member!;
    const sock = this.#sock;
    this.#sock = undefined;
    if (sock) {
      if (this.#waitingDrain) sock.resume(); // every byte is read; an idle socket must see its close
      if (this.#reusable) this.deps.lanes.get(member)!.release(sock);
      else { sock.data.user = undefined; sock.end(); }
    }
    member.end(this.#bytes);
    const status = this.#head!.status;
    this.deps.outcome(this.pool, member, !this.pool.failOnStatus.has(status), `status ${status}`);
    this.#log(status);
    this.client.done(!this.h.close && !this.#head!.closeDelimited);
  }

  /** The client left: the member is not at fault (respond.ts ClientGone); 499 as NGINX logs it. */
  clientGone(): void {
    if (this.#state === W_OVER) return;
    const answered = this.#state === W_BODY;
    this.#state = W_OVER;
    if (this.#watch) this.deps.deadlines.clear(this.#watch);
    this.#dropSocket();
    const member = this.#member;
    if (member) {
      member.end(this.#bytes);
      this.deps.outcome(this.pool, member, true, "client went away");
    }
    this.#log(answered ? this.#head!.status : 499);
  }

  #answer(kind: ProxyErrorKind, detail: string): void {
    this.#state = W_OVER;
    const { status, bytes } = errorBytes(kind, detail, this.h.close);
    this.client.send(bytes);
    this.#log(status);
    this.client.done(!this.h.close);
  }

  #dropSocket(): void {
    const s = this.#sock;
    this.#sock = undefined;
    if (s) { s.data.user = undefined; s.terminate(); }
  }

  #log(status: number): void {
    const h = this.h;
    this.deps.access({
      clientIp: this.clientIp, method: h.method, target: h.target, protocol: "HTTP/1.1", status, bytes: this.#bytes,
      referer: h.referer, userAgent: h.userAgent, host: h.hostHeader, route: this.route.label,
      pool: this.pool.name, member: this.#member?.origin ?? "", durationMs: performance.now() - this.started,
    });
  }
}

const NONE: ReadonlySet<Member> = new Set();

/** Offset past the blank line ending a response head (CRLF or bare LF lines, RFC 9112 2.2), or -1. */
function headEnd(buf: Uint8Array): number {
  let at = buf.indexOf(10);
  while (at >= 0) {
    if (at >= 1 && buf[at - 1] === 10) return at + 1;
    if (at >= 2 && buf[at - 1] === 13 && buf[at - 2] === 10) return at + 1;
    at = buf.indexOf(10, at + 1);
  }
  return -1;
}

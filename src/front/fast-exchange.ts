/**
 * One exchange on a pool route: (auth) -> pick member -> forward (head, held or streamed body)
 * -> relay the response, on raw sockets, with one retry rule and one set of 502/503/504 answers
 * (try-failure.ts). Every exchange ends in #log (member accounting, health outcome, access
 * line, metrics). A member that dies mid-body cuts the client connection: a truncated body
 * must not look complete.
 */
import { clientScheme } from "../rewrite/reverse.ts";
import type { Member } from "../balancer/member.ts";
import type { RuntimePool, RuntimeRoute } from "../config/runtime.ts";
import type { Watch } from "../proxy/deadlines.ts";
import { errorBytes, type ProxyErrorKind } from "../proxy/errors.ts";
import { UpstreamError } from "../upstream/errors.ts";
import { ByteTunnel } from "./byte-tunnel.ts";
import { BodyRelay, CHUNKED, headAndBody, UNTIL_CLOSE } from "./body-relay.ts";
import type { FastHead } from "./request-head.ts";
import { clientHead, hasNoBody, type ClientHead } from "./response-head.ts";
import { findHeadEnd } from "../upstream/response-head.ts";
import { IDEMPOTENT, noMember, tryFailure } from "./try-failure.ts";
import { upstreamHead } from "./upstream-head.ts";
import { recordExchange } from "../metrics/record.ts";
import { authorizeHead } from "./auth-step.ts";
import type { LocalAnswer } from "./local-answer.ts";
import type { RequestBody } from "./request-body.ts";
import { BadHead } from "./request-check.ts";
import type { LaneSocket, LaneUser, MemberLane } from "./upstream-lane.ts";
import type { ClientLink, FastDeps } from "./exchange.ts";

const W_HEAD = 0, W_BODY = 1, W_OVER = 2, W_TUNNEL = 3;
const NONE: ReadonlySet<Member> = new Set();

export class FastExchange implements LaneUser {
  readonly clientIp: string;
  readonly rawTarget: string;
  readonly query: string;
  readonly trusted: boolean;
  #state = W_HEAD;
  #member: Member | undefined;
  #sock: LaneSocket | undefined;
  #tried: Set<Member> | undefined;
  #attempts = 0;
  #timedOut: [ProxyErrorKind, string] | undefined;
  #reused = false;
  #watch: Watch | undefined;
  #partial: Buffer | undefined;
  #head: ClientHead | undefined;
  #relay: BodyRelay | undefined;
  #reusable = true;
  #waitingDrain = false;
  /** The client left while we waited for the head: the try still runs to its outcome. */
  #clientLeft = false;
  #authorized = false;
  /** Bytes of a streamed body reached a member: the request cannot be tried again. */
  #bodySent = false;

  readonly client: ClientLink;
  readonly h: FastHead;
  readonly path: string;
  readonly canonical: string;
  readonly route: RuntimeRoute;
  readonly pool: RuntimePool;
  readonly deps: FastDeps;
  readonly started: number;
  /** The whole request body, read before the member was chosen (held-body.ts). */
  readonly body: Uint8Array | undefined;
  /** A body too large to hold, streamed once a member connection is ready (request-body.ts). */
  readonly stream: RequestBody | undefined;
  /** What the member's socket has not taken yet. */
  #unsent: Uint8Array | undefined;
  #tunnel: ByteTunnel | undefined;

  constructor(client: ClientLink, h: FastHead, path: string, canonical: string, route: RuntimeRoute, pool: RuntimePool, deps: FastDeps, started: number, body?: Uint8Array, stream?: RequestBody) {
    this.client = client;
    this.h = h;
    this.path = path;
    this.canonical = canonical;
    this.route = route;
    this.pool = pool;
    this.deps = deps;
    this.started = started;
    this.body = body;
    this.stream = stream;
    this.clientIp = client.ip;
    this.rawTarget = h.target;
    this.query = h.query;
    this.trusted = client.trusted;
  }

  get scheme(): "http" | "https" { return this.deps.scheme; }
  get port(): number { return this.deps.port; }
  /** For sticky sessions (PickInput). */
  get cookie(): string | null { return this.h.cookie; }

  /** A streamed body is still coming from the client: neither connection can be reused. */
  get #bodyOpen(): boolean {
    return this.stream !== undefined && !this.stream.done;
  }

  start(): void {
    if (this.route.auth && !this.#authorized) return this.#authorize();
    const member = this.deps.choose(this.pool, this, this.#tried ?? NONE);
    // NGINX answers with the last try's error: a timeout stays a 504 when no member is left.
    if (!member) return this.#answer(...(this.#timedOut ?? noMember(this.pool, this.#tried ?? NONE)));
    this.#member = member;
    this.#attempts++;
    member.begin();
    this.#watch = this.deps.deadlines.watch(this.route.timeouts.response, () => this.#failed(new UpstreamError("ETIMEDOUT", "upstream response timeout"), true));
    const lane = this.deps.lanes.get(member)!;
    // A streamed body cannot be replayed, so it never risks a pooled connection the member
    // may be closing (the keep-alive race, RFC 9112 9.3.1).
    const sock = this.stream ? undefined : lane.take(this);
    if (sock) return this.#sendOn(sock, true);
    this.#connect(lane, member);
  }

  #authorize(): void {
    this.#authorized = true;
    authorizeHead(this.route, this.h, this.clientIp, this.deps.events).then(
      (refusal) => this.#state === W_HEAD && !this.#member && (refusal ? this.#local(refusal) : this.start()),
      (e: Error) => {
        this.deps.events("error", `auth route=${this.route.label}: ${e.message}`);
        if (this.#state === W_HEAD && !this.#member) this.#answer("unavailable", "503 Service Unavailable: the token could not be checked");
      },
    );
  }

  #connect(lane: MemberLane, member: Member): void {
    lane.connect(this, this.route.timeouts.connect).then(
      (s) => (this.#member === member && this.#state === W_HEAD ? this.#sendOn(s, false) : lane.release(s)),
      (e: Error) => void (this.#member === member && this.#state === W_HEAD && this.#failed(e, false)),
    );
  }

  #sendOn(s: LaneSocket, reused: boolean): void {
    this.#sock = s;
    this.#reused = reused;
    this.#partial = undefined;
    let head: string;
    try {
      head = upstreamHead(this, this.#member!);
    } catch (e) {
      return this.#ruleFailed(e as Error); // a requestHeaders rule refused a value
    }
    if (!this.body && !this.h.latin1) s.write(head);
    else if (!this.body) this.#writeBody(s, Buffer.from(head, "latin1"));
    else this.#writeBody(s, Buffer.concat([Buffer.from(head, "latin1"), this.body]));
    if (this.stream) {
      this.#bodySent = true;
      this.client.streamBody(this);
    }
  }

  #writeBody(s: LaneSocket, bytes: Uint8Array): void {
    if (this.#unsent) {
      this.#unsent = Buffer.concat([this.#unsent, bytes]);
      return;
    }
    const n = s.write(bytes);
    this.#unsent = n < bytes.byteLength ? Buffer.from(bytes.subarray(Math.max(n, 0))) : undefined;
  }

  /**
   * Client bytes while a streamed body is open: the body's part goes to the member (the client
   * paused while the member's socket is full); what follows it is handed back.
   */
  requestData(d: Buffer): Buffer | undefined {
    const stream = this.stream!;
    let end: number;
    try {
      end = stream.take(d, 0);
    } catch (e) {
      this.#bodyFailed(e as Error);
      return undefined;
    }
    const s = this.#sock;
    if (s && end > 0 && (this.#state === W_HEAD || this.#state === W_BODY)) {
      this.#writeBody(s, end === d.byteLength ? d : d.subarray(0, end));
      if (this.#unsent) this.client.pauseReading();
      // Sending counts as progress (NGINX proxy_send_timeout): the response wait starts again.
      if (this.#watch && this.#state === W_HEAD) this.deps.deadlines.extend(this.#watch, this.route.timeouts.response);
    }
    if (stream.done) this.client.bodyEnded();
    return end < d.byteLength ? d.subarray(end) : undefined;
  }

  /** Malformed chunking or past maxBodySize mid-stream (BadHead): 400 or 413 if nothing was answered, else a cut. */
  #bodyFailed(e: Error): void {
    if (this.#state === W_BODY) return this.#cut(e);
    if (this.#state !== W_HEAD) return;
    const member = this.#member;
    this.#stop();
    if (member) {
      member.end(0);
      this.deps.outcome(this.pool, member, true, "request body refused");
    }
    this.#answer(e instanceof BadHead ? e.kind : "bad_request", e.message);
  }

  upstreamDrain(s: LaneSocket): void {
    if (this.#tunnel) return this.#tunnel.memberDrained();
    const rest = this.#unsent;
    if (!rest || s !== this.#sock) return;
    this.#unsent = undefined;
    this.#writeBody(s, rest);
    if (!this.#unsent && this.#bodyOpen) this.client.resumeReading();
  }

  upstreamData(s: LaneSocket, d: Buffer): void {
    if (this.#state === W_BODY) return this.#relayBody(d, 0, undefined);
    if (this.#tunnel) return this.#tunnel.fromMember(d);
    if (this.#state !== W_HEAD) return;
    let buf = this.#partial ? Buffer.concat([this.#partial, d]) : d;
    for (;;) {
      const end = findHeadEnd(buf, 0);
      if (end < 0) {
        if (buf.byteLength > 65536) return this.#failed(new UpstreamError("EMALFORMED", "malformed upstream response: head too large"), true);
        this.#partial = buf;
        return;
      }
      if (this.h.upgrade && buf[9] === 49 && buf[10] === 48 && buf[11] === 49) return this.#upgraded(s, buf, end);
      // RFC 9110 15.2: interim 1xx responses precede the final one; drop them (101 only after an Upgrade).
      if (buf[9] === 49 && !(buf[10] === 48 && buf[11] === 49) && buf[0] === 72) {
        buf = buf.subarray(end);
        continue;
      }
      let head: ClientHead;
      try {
        const text = buf.toString("latin1", 0, end);
        head = clientHead(buf, end, text, this.#headContext(text), this.h.method === "HEAD");
      } catch (e) {
        if (e instanceof UpstreamError) return this.#failed(e, true);
        return this.#ruleFailed(e as Error);
      }
      return this.#startBody(head, buf, end);
    }
  }

  #headContext(upstreamHead: string) {
    const member = this.#member!;
    const setCookie = this.deps.stickyCookie?.(this.pool, this, member, upstreamHead);
    return { route: this.route, scheme: this.deps.scheme, clientScheme: clientScheme(this.deps.scheme, this.trusted, this.h.xForwardedProto), hostHeader: this.h.hostHeader, clientIp: this.clientIp, member: member.origin, close: this.h.close, setCookie };
  }

  #startBody(head: ClientHead, buf: Buffer, end: number): void {
    if (this.#clientLeft) return this.#abandoned(head.status);
    this.#head = head;
    this.#relay = new BodyRelay(hasNoBody(head.status, this.h.method === "HEAD") ? 0 : head.chunked ? CHUNKED : head.contentLength >= 0 ? head.contentLength : UNTIL_CLOSE);
    if (head.upstreamClose || this.h.upgrade || this.h.http10) this.#reusable = false; // an Upgrade answered without 101: the member's state is unknown
    this.#relayBody(buf, end, head);
  }

  /** Relays buf[from..]; with `head`, the response head goes out first, in the same write. */
  #relayBody(buf: Buffer, from: number, head: ClientHead | undefined): void {
    const relay = this.#relay!;
    try {
      relay.take(buf, from);
    } catch (e) {
      // Bad chunking: before anything reached the client it is a failed try (502), after it a cut.
      return head ? this.#failed(e as Error, true) : this.#cut(e as Error);
    }
    if (head) {
      this.deps.deadlines.clear(this.#watch!);
      this.#watch = undefined; // the idle watch starts only if the body outlasts this read
      this.#state = W_BODY;
      this.#write(headAndBody(head, buf, from, relay));
    } else if (relay.framed) this.#write(relay.framed);
    else if (relay.end > from) this.#write(from === 0 && relay.end === buf.byteLength ? buf : buf.subarray(from, relay.end));
    if (relay.spill) this.#reusable = false; // bytes past the response: the connection is out of step
    if (relay.over) return this.#finish();
    if (this.#watch) this.deps.deadlines.extend(this.#watch, this.route.timeouts.idle);
    else this.#watch = this.deps.deadlines.watch(this.route.timeouts.idle, () => this.#idleExpired());
  }

  #write(bytes: Uint8Array): void {
    if (!this.client.send(bytes) && this.#sock && !this.#waitingDrain) {
      this.#waitingDrain = true;
      this.#sock.pause(); // read the member no faster than the client takes bytes
    }
  }

  /** The member switched protocols: its 101 goes to the client (with the sticky cookie), then bytes. */
  #upgraded(s: LaneSocket, buf: Buffer, end: number): void {
    const member = this.#member!;
    this.deps.deadlines.clear(this.#watch!);
    this.#watch = undefined;
    this.#state = W_TUNNEL;
    this.#partial = undefined;
    const cookie = this.deps.stickyCookie?.(this.pool, this, member);
    const head = cookie ? Buffer.concat([buf.subarray(0, end - 2), Buffer.from(`set-cookie: ${cookie}\r\n\r\n`, "latin1")]) : buf.subarray(0, end);
    this.deps.outcome(this.pool, member, true, "websocket upgraded");
    const c = this.client;
    this.#tunnel = new ByteTunnel(s, {
      send: (b) => c.send(b), pauseReading: () => c.pauseReading(), resumeReading: () => c.resumeReading(),
      over: (out, into, why) => this.#tunnelOver(out, into, why),
    }, this.deps.deadlines, this.deps.wsIdleMs);
    this.#tunnel.fromMember(head);
    this.#tunnel.bytesOut -= head.byteLength; // the log counts what follows the 101
    if (end < buf.byteLength) this.#tunnel.fromMember(buf.subarray(end));
    c.upgraded(this);
  }

  fromClient(d: Uint8Array): void {
    this.#tunnel?.fromClient(d);
  }

  /** FIN from the client: passed on in a tunnel; during the handshake it abandons it (499). */
  clientEnded(): void {
    if (this.#tunnel) return this.#tunnel.clientEnded();
    this.clientGone();
    this.client.done(false);
  }

  #tunnelOver(bytesOut: number, bytesIn: number, why: string | undefined): void {
    this.#state = W_OVER;
    this.#sock = undefined;
    this.#member!.end(bytesOut + bytesIn);
    if (why === "idle timeout") this.deps.events("info", `pool=${this.pool.name} member=${this.#member!.origin} upgraded connection idle; closed`);
    this.#log(101, bytesOut);
    this.client.done(false);
  }

  /** The client took everything queued. */
  clientDrained(): void {
    if (this.#tunnel) return this.#tunnel.clientDrained();
    if (!this.#waitingDrain) return;
    this.#waitingDrain = false;
    if (this.#state === W_BODY) {
      this.#sock?.resume();
      if (this.#watch) this.deps.deadlines.extend(this.#watch, this.route.timeouts.idle);
    }
  }

  /** Nothing moved for the idle timeout: the member's fault, unless we were waiting for the client (NGINX send_timeout). */
  #idleExpired(): void {
    if (!this.#waitingDrain) return this.#cut(new UpstreamError("ETIMEDOUT", "upstream idle timeout"));
    this.deps.events("warn", `pool=${this.pool.name} client ${this.clientIp} stopped reading; connection closed`);
    this.clientGone();
    this.client.abort();
  }

  upstreamClosed(_s: LaneSocket, err: Error | undefined): void {
    if (this.#tunnel) return this.#tunnel.close();
    this.#sock = undefined;
    if (this.#state === W_BODY) {
      // A body that ends at close is complete at a clean close; a reset cuts it (respond.ts).
      if (this.#relay!.untilClose && !err) return this.#finish();
      return this.#cut(err ?? new UpstreamError("ECONNRESET", "upstream closed the connection mid-body"));
    }
    if (this.#state !== W_HEAD) return;
    // The keep-alive race (RFC 9112 9.3.1): a pooled connection closed as we reused it. Replayed
    // once on a fresh connection to the same member, for idempotent methods (replay-policy.ts).
    if (this.#reused && this.#partial === undefined && IDEMPOTENT.has(this.h.method) && !this.stream) {
      this.#reused = false;
      return this.#connect(this.deps.lanes.get(this.#member!)!, this.#member!);
    }
    this.#failed(err ?? new UpstreamError("ECONNRESET", "upstream closed the connection before responding"), true);
  }

  /** A try failed before the response head: another member (try-failure.ts), or 502/504. */
  #failed(e: Error, connected: boolean): void {
    const member = this.#member!;
    this.#stop();
    member.end(0);
    const f = tryFailure(e, connected, this.h.method, member, this.pool.name);
    this.deps.outcome(this.pool, member, false, f.reason);
    (this.#tried ??= new Set()).add(member);
    this.#timedOut = f.answer[0] === "timeout" ? f.answer : undefined;
    if (!connected) member.connectFailures++;
    if (f.retryable && !this.#bodySent && this.#attempts <= this.pool.retries && !this.#clientLeft) {
      this.pool.stats.retries++;
      this.deps.events("warn", `pool=${this.pool.name} member=${member.origin} ${f.reason}; retrying on another member`);
      this.#state = W_HEAD;
      return this.start();
    }
    this.deps.events("error", `pool=${this.pool.name} member=${member.origin} ${f.reason}`);
    this.#answer(...f.answer);
  }

  /** A header rule failed: 502, and not the member's fault (handler.ts). */
  #ruleFailed(e: Error): void {
    const member = this.#member!;
    this.#stop();
    member.end(0);
    this.deps.outcome(this.pool, member, true, "answered; our header rules failed");
    this.deps.events("error", `route=${this.route.label} header rule failed: ${e.message}`);
    this.#answer("upstream", "502 Bad Gateway: the upstream response could not be rewritten");
  }

  /** The member failed mid-body: the client connection is cut (respond.ts does the same). */
  #cut(err: Error): void {
    if (this.#state !== W_BODY) return;
    this.#stop();
    const member = this.#member!;
    const bytes = this.#relay!.bytes;
    member.end(bytes);
    this.deps.outcome(this.pool, member, false, `body: ${err.message}`);
    this.deps.events("warn", `pool=${this.pool.name} member=${member.origin} response aborted after ${bytes} bytes: ${err.message}`);
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
      if (this.#reusable && !this.#bodyOpen) this.deps.lanes.get(member)!.release(sock);
      else { sock.data.user = undefined; sock.end(); }
    }
    member.end(this.#relay!.bytes);
    const status = this.#head!.status;
    this.deps.outcome(this.pool, member, !this.pool.failOnStatus.has(status), `status ${status}`);
    this.#log(status);
    this.client.done(!this.h.close && !this.#head!.closeDelimited && !this.#bodyOpen);
  }

  /**
   * The client left: not the member's fault (respond.ts ClientGone); 499 as NGINX logs it.
   * Before the head the try runs on to its outcome (head, error or response timeout), so a
   * member that never answers still counts as failing and a trial cannot pass for it.
   */
  clientGone(): void {
    if (this.#state === W_OVER) return;
    if (this.#tunnel) return this.#tunnel.close("client went away");
    if (this.#state === W_HEAD && this.#member && this.h.upgrade) {
      // A handshake the client abandons is nobody's failure: 499 now.
      this.#stop();
      this.#member.end(0);
      return this.#log(499);
    }
    if (this.#state === W_HEAD && this.#member && !this.#bodyOpen) {
      this.#clientLeft = true;
      return;
    }
    const answered = this.#state === W_BODY;
    this.#stop();
    const member = this.#member;
    if (member) {
      member.end(this.#relay?.bytes ?? 0);
      this.deps.outcome(this.pool, member, true, "client went away");
    }
    this.#log(answered ? this.#head!.status : 499);
  }

  /**
   * The client's streamed body stalled past clientTimeouts.body: the try ends, and it is not
   * the member's fault. True when no response byte went out, so the client may get the 408.
   */
  bodyStalled(): boolean {
    if (this.#state !== W_HEAD) {
      this.clientGone();
      return false;
    }
    const member = this.#member;
    this.#stop();
    if (member) {
      member.end(0);
      this.deps.outcome(this.pool, member, true, "client body stalled");
    }
    this.#log(408);
    return true;
  }

  /** The head came after the client left: the member answered (its outcome counts), nobody reads it. */
  #abandoned(status: number): void {
    const member = this.#member!;
    this.#stop();
    member.end(0);
    this.deps.outcome(this.pool, member, !this.pool.failOnStatus.has(status), `status ${status}`);
    this.#log(499);
  }

  #answer(kind: ProxyErrorKind, detail: string): void {
    const close = this.h.close || this.#bodyOpen;
    const { status, bytes } = errorBytes(kind, detail, close);
    this.#send(status, bytes, 0, close);
  }

  /** The proxy's own answer (a 401 of the route's auth). */
  #local(a: LocalAnswer): void {
    this.#send(a.status, a.bytes, a.bodyBytes, this.h.close || this.#bodyOpen);
  }

  #send(status: number, bytes: Uint8Array, bodyBytes: number, close: boolean): void {
    this.#state = W_OVER;
    if (this.#clientLeft) return this.#log(499);
    this.client.send(bytes);
    this.#log(status, bodyBytes);
    this.client.done(!close);
  }

  /** Ends this try: no more timers, the upstream connection dropped (it is mid-exchange). */
  #stop(): void {
    this.#state = W_OVER;
    if (this.#watch) this.deps.deadlines.clear(this.#watch);
    this.#watch = undefined;
    const s = this.#sock;
    this.#sock = undefined;
    if (s) { s.data.user = undefined; s.terminate(); }
  }

  #log(status: number, bytes = this.#relay?.bytes ?? 0): void {
    const h = this.h;
    const durationMs = performance.now() - this.started;
    // bytesIn: the held request body (as framed by the client), if any.
    recordExchange(this.route, this.#member, status, this.body?.length ?? this.stream?.bytes ?? 0, bytes, durationMs);
    this.deps.access({
      clientIp: this.clientIp, method: h.method, target: h.target, protocol: "HTTP/1.1", status, bytes,
      referer: h.referer, userAgent: h.userAgent, host: h.hostHeader, route: this.route.label,
      // Pool and member only once one was chosen.
      pool: this.#member ? this.pool.name : "", member: this.#member?.origin ?? "", durationMs,
    });
  }
}

/**
 * The request side of one try of an exchange on one member (try-response.ts reads the answer,
 * fast-exchange.ts decides how the exchange goes on): the request's facts, a lane socket
 * (pooled or new), and the head with the held or streamed body written no faster than the
 * member's socket takes it. The layers are base classes rather than helper objects so that each
 * exchange stays one allocation on the hot path.
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimePool, RuntimeRoute } from "../config/runtime.ts";
import type { Watch } from "../proxy/deadlines.ts";
import { UpstreamError } from "../upstream/errors.ts";
import type { FastHead } from "./fast-head.ts";
import type { RequestBody } from "./request-body.ts";
import { upstreamHead } from "./upstream-head.ts";
import type { LaneSocket, LaneUser, MemberLane } from "./upstream-lane.ts";
import type { ClientLink, FastDeps, StreamingExchange } from "./exchange.ts";

/**
 * The member's request when it is not a plain string write: the head (latin1) and a held body
 * in one buffer, so one write sends both. One buffer serves every request: the head and body
 * are written before the next request runs, and #writeBody copies what the socket does not
 * take. A Buffer.concat per POST meant a third more collections per request (measured).
 * Returns the size: the write takes a length, as a subarray per request costs (a profile put
 * it at ~1% of a POST's CPU).
 */
let scratch = Buffer.allocUnsafe(16 * 1024);

function inScratch(head: string, body: Buffer | undefined, at: number): number {
  const size = head.length + (body ? body.byteLength - at : 0);
  if (scratch.byteLength < size) scratch = Buffer.allocUnsafe(Math.max(size, 2 * scratch.byteLength));
  const n = scratch.write(head, 0, "latin1");
  if (body) body.copy(scratch, n, at);
  return size;
}

/** Waiting for the response head, relaying its body, over, or a byte tunnel after a 101. */
export const W_HEAD = 0, W_BODY = 1, W_OVER = 2, W_TUNNEL = 3;

export abstract class TryRequest implements LaneUser, StreamingExchange, Watch {
  readonly clientIp: string;
  readonly rawTarget: string;
  readonly query: string;
  readonly trusted: boolean;
  protected state = W_HEAD;
  protected member: Member | undefined;
  protected sock: LaneSocket | undefined;
  /** The socket came from the lane's idle stack. */
  protected reused = false;
  /**
   * The exchange is its own Watch (deadlines.ts): the response timeout until the head, then
   * the body's idle timeout (try-response.ts), with no timer object per request.
   */
  deadline = 0;
  prevWatch: Watch | null = null;
  nextWatch: Watch | null = null;
  /** The start of a response head on this socket. */
  protected partial: Buffer | undefined;
  /** Bytes of a streamed body reached a member: the request cannot be tried again. */
  protected bodySent = false;
  /** What the member's socket has not taken yet. */
  #unsent: Uint8Array | undefined;

  readonly client: ClientLink;
  readonly h: FastHead;
  readonly path: string;
  readonly canonical: string;
  readonly route: RuntimeRoute;
  readonly pool: RuntimePool;
  readonly deps: FastDeps;
  /** The whole request body, read before the member was chosen: body[bodyAt..] (held-body.ts). */
  readonly body: Buffer | undefined;
  readonly bodyAt: number;
  /** A body too large to hold, streamed once a member connection is ready (request-body.ts). */
  readonly stream: RequestBody | undefined;

  constructor(client: ClientLink, h: FastHead, path: string, canonical: string, route: RuntimeRoute, pool: RuntimePool, deps: FastDeps, body?: Buffer, stream?: RequestBody, bodyAt = 0) {
    this.client = client;
    this.h = h;
    this.path = path;
    this.canonical = canonical;
    this.route = route;
    this.pool = pool;
    this.deps = deps;
    this.body = body;
    this.bodyAt = bodyAt;
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
  protected get bodyOpen(): boolean {
    return this.stream !== undefined && !this.stream.done;
  }

  /** The try failed before the response head (`connected`: the member may have the request). */
  protected abstract failed(e: Error, connected: boolean): void;
  /** A header rule refused a value: ours, not the member's fault. */
  protected abstract ruleFailed(e: Error): void;
  /** The streamed body is malformed or too large (BadHead). */
  protected abstract bodyFailed(e: Error): void;
  /** The member's side of the socket: its response (try-response.ts). */
  abstract upstreamData(s: LaneSocket, d: Buffer): void;
  abstract upstreamClosed(s: LaneSocket, err: Error | undefined): void;

  /** The response timeout: no head within timeouts.response of sending (try-response.ts adds the idle one). */
  expire(): void {
    if (this.state === W_HEAD) this.failed(new UpstreamError("ETIMEDOUT", "upstream response timeout"), true);
  }

  /** A try on `member`: a pooled socket when `pooled` and one is idle, else a new connection. */
  protected begin(member: Member, pooled: boolean): void {
    this.member = member;
    this.state = W_HEAD;
    const lane = this.deps.lanes.get(member)!;
    const sock = pooled ? lane.take(this) : undefined;
    if (sock) return this.#sendOn(sock, true);
    this.#connect(lane, member);
  }

  /** The same member again, on a new connection. */
  protected reconnect(): void {
    this.reused = false;
    this.deps.deadlines.clear(this); // the connect has its own timeout; the response's starts at the send
    this.#connect(this.deps.lanes.get(this.member!)!, this.member!);
  }

  #connect(lane: MemberLane, member: Member): void {
    lane.connect(this, this.route.timeouts.connect).then(
      (s) => (this.member === member && this.state === W_HEAD ? this.#sendOn(s, false) : lane.release(s)),
      (e: Error) => void (this.member === member && this.state === W_HEAD && this.failed(e, false)),
    );
  }

  #sendOn(s: LaneSocket, reused: boolean): void {
    this.sock = s;
    this.reused = reused;
    this.partial = undefined;
    let head: string;
    try {
      head = upstreamHead(this, this.member!);
    } catch (e) {
      return this.ruleFailed(e as Error); // a requestHeaders rule refused a value
    }
    if (!this.body && !this.h.latin1) s.write(head);
    else {
      const size = inScratch(head, this.body, this.bodyAt); // first: it may grow scratch
      this.#writeBody(s, scratch, size);
    }
    // From the send, as NGINX's proxy_read_timeout: while connecting, only the connect timeout
    // runs, so a connect that hangs is a connect failure (retryable for any method), not a 504.
    this.#awaitMember();
    if (this.stream) {
      this.bodySent = true;
      this.client.streamBody(this);
    }
  }

  /** Writes bytes[0, len) after what waits; what the socket does not take is copied (the caller's buffer is reused: inScratch). */
  #writeBody(s: LaneSocket, bytes: Uint8Array, len = bytes.byteLength): void {
    if (this.#unsent) {
      this.#unsent = Buffer.concat([this.#unsent, bytes.subarray(0, len)]);
      return;
    }
    const n = s.write(bytes, 0, len);
    this.#unsent = n < len ? Buffer.from(bytes.subarray(Math.max(n, 0), len)) : undefined;
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
      this.bodyFailed(e as Error);
      return undefined;
    }
    const s = this.sock;
    if (s && end > 0 && (this.state === W_HEAD || this.state === W_BODY)) {
      if (stream.sendEnd > 0) this.#writeBody(s, d, stream.sendEnd);
      if (stream.done && stream.tail) this.#writeBody(s, stream.tail);
      if (this.#unsent) this.client.pauseReading();
      this.#awaitMember();
    }
    if (stream.done) this.client.bodyEnded();
    return end < d.byteLength ? d.subarray(end) : undefined;
  }

  upstreamDrain(s: LaneSocket): void {
    const rest = this.#unsent;
    if (!rest || s !== this.sock) return;
    this.#unsent = undefined;
    this.#writeBody(s, rest);
    if (!this.#unsent && this.bodyOpen) this.client.resumeReading();
    this.#awaitMember();
  }

  /**
   * The member's deadline before its head, timeouts.response: from the end of the request (NGINX
   * proxy_read_timeout), or from its last write while it takes no more of the body (NGINX
   * proxy_send_timeout). None while the client is still sending its body: that wait is the
   * client's (clientTimeouts.body, 408), and a slow uploader must not cost the member a 504 and
   * an ejection.
   */
  #awaitMember(): void {
    if (this.state !== W_HEAD) return;
    if (this.bodyOpen && !this.#unsent) this.deps.deadlines.clear(this);
    else this.deps.deadlines.arm(this, this.route.timeouts.response);
  }

  /** Ends this try: no more timers, the upstream connection dropped (it is mid-exchange). */
  protected stop(): void {
    this.state = W_OVER;
    this.deps.deadlines.clear(this);
    const s = this.sock;
    this.sock = undefined;
    if (s) { s.data.user = undefined; s.terminate(); }
  }
}

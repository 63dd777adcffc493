/**
 * One exchange on a pool route: (auth) -> pick member -> a try on it (try-request.ts sends,
 * try-response.ts reads and relays) -> the next member or an answer, with one retry rule and
 * one set of 502/503/504 answers (try-failure.ts). Every exchange ends in #log (member accounting, health outcome, access
 * line, metrics). A member that dies mid-body cuts the client connection: a truncated body
 * must not look complete.
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimePool, RuntimeRoute } from "../config/runtime.ts";
import { errorBytes, type ProxyErrorKind } from "../proxy/errors.ts";
import { UpstreamError } from "../upstream/errors.ts";
import type { FastHead } from "./fast-head.ts";
import { IDEMPOTENT, noMember, tryFailure } from "./try-failure.ts";
import { recordExchange } from "../metrics/record.ts";
import { authorizeHead } from "./auth-step.ts";
import type { LocalAnswer } from "./local-answer.ts";
import type { RequestBody } from "./request-body.ts";
import { BadHead } from "./request-check.ts";
import { W_BODY, W_HEAD, W_OVER } from "./try-request.ts";
import { TryResponse } from "./try-response.ts";
import type { ClientLink, FastDeps } from "./exchange.ts";

const NONE: ReadonlySet<Member> = new Set();

export class FastExchange extends TryResponse {
  #tried: Set<Member> | undefined;
  #attempts = 0;
  #timedOut: [ProxyErrorKind, string] | undefined;
  #authorized = false;
  readonly started: number;

  constructor(client: ClientLink, h: FastHead, path: string, canonical: string, route: RuntimeRoute, pool: RuntimePool, deps: FastDeps, started: number, body?: Buffer, stream?: RequestBody, bodyAt = 0) {
    super(client, h, path, canonical, route, pool, deps, body, stream, bodyAt);
    this.started = started;
  }

  /** The one replay rule: bytes of a streamed body that reached a member cannot be sent again. */
  get #replayable(): boolean {
    return !this.bodySent;
  }

  start(): void {
    if (this.route.auth && !this.#authorized) return this.#authorize();
    const member = this.deps.choose(this.pool, this, this.#tried ?? NONE);
    // NGINX answers with the last try's error: a timeout stays a 504 when no member is left.
    if (!member) return this.#answer(...(this.#timedOut ?? noMember(this.pool, this.#tried ?? NONE)));
    this.#attempts++;
    member.begin();
    // A streamed body cannot be replayed, so it never risks a pooled connection the member
    // may be closing (the keep-alive race, RFC 9112 9.3.1).
    this.begin(member, !this.stream);
  }

  #authorize(): void {
    this.#authorized = true;
    void authorizeHead(this.route, this.h, this.clientIp, this.deps.events).then(
      (refusal) => this.state === W_HEAD && !this.member && (refusal ? this.#local(refusal) : this.start()),
    );
  }

  /** Malformed chunking or past maxBodySize mid-stream (BadHead): 400 or 413 if nothing was answered, else a cut. */
  protected override bodyFailed(e: Error): void {
    if (this.state === W_BODY) return this.cut(e);
    if (this.state !== W_HEAD) return;
    this.#endTry(true, "request body refused");
    this.#answer(e instanceof BadHead ? e.kind : "bad_request", e.message);
  }

  /** FIN from the client: passed on in a tunnel; during the handshake it abandons it (499). */
  clientEnded(): void {
    if (this.tunnel) return this.tunnel.clientEnded();
    this.clientGone();
    this.client.done(false);
  }

  protected override tunnelOver(bytesOut: number, bytesIn: number, why: string | undefined): void {
    this.member!.end(bytesOut + bytesIn);
    if (why === "idle timeout") this.deps.events("info", `pool=${this.pool.name} member=${this.member!.origin} upgraded connection idle; closed`);
    this.#log(101, bytesOut);
    this.client.done(false);
  }

  /**
   * The keep-alive race (RFC 9112 9.3.1): a pooled connection closed as we reused it. Replayed
   * once on a fresh connection to the same member, for idempotent methods whose body was not
   * streamed (NGINX and HAProxy retry such a request too).
   */
  protected override closedBeforeHead(err: Error | undefined, raced: boolean): void {
    if (raced && IDEMPOTENT.has(this.h.method) && this.#replayable) return this.reconnect();
    this.failed(err ?? new UpstreamError("ECONNRESET", "upstream closed the connection before responding"), true);
  }

  /** A try failed before the response head: another member (try-failure.ts), or 502/504. */
  protected override failed(e: Error, connected: boolean): void {
    const member = this.member!;
    const f = tryFailure(e, connected, this.h.method, this.pool.name);
    this.#endTry(false, f.reason);
    (this.#tried ??= new Set()).add(member);
    this.#timedOut = f.answer[0] === "timeout" ? f.answer : undefined;
    if (!connected) member.connectFailures++;
    if (f.retryable && this.#replayable && this.#attempts <= this.pool.retries && !this.clientLeft) {
      // The balancer skips tried members: with none left this "retry" ends in noMember's answer.
      const other = this.#tried.size < this.pool.pool.members.length;
      if (other) this.pool.stats.retries++;
      this.deps.events(other ? "warn" : "error", `pool=${this.pool.name} member=${member.origin} ${f.reason}; ${other ? "retrying on another member" : "no other member to try"}`);
      return this.start();
    }
    this.deps.events("error", `pool=${this.pool.name} member=${member.origin} ${f.reason}`);
    this.#answer(...f.answer);
  }

  /** A header rule failed: 502, and not the member's fault (the member answered). */
  protected override ruleFailed(e: Error): void {
    this.#endTry(true, "answered; our header rules failed");
    this.deps.events("error", `route=${this.route.label} header rule failed: ${e.message}`);
    this.#answer("upstream", "502 Bad Gateway: the upstream response could not be rewritten");
  }

  /** The member failed mid-body: the client connection is cut, so the truncated body cannot look complete. */
  protected override cut(err: Error): void {
    if (this.state !== W_BODY) return;
    const bytes = this.relay!.bytes;
    this.#endTry(false, `body: ${err.message}`, bytes);
    this.deps.events("warn", `pool=${this.pool.name} member=${this.member!.origin} response aborted after ${bytes} bytes: ${err.message}`);
    this.#log(this.head!.status);
    this.client.abort();
  }

  protected override responded(): void {
    const member = this.member!;
    // bytraffic weighs both directions, as Apache's lbmethod_bytraffic counts read and transferred.
    member.end(this.relay!.bytes + this.#bodyBytes());
    const status = this.head!.status;
    this.deps.outcome(this.pool, member, !this.pool.failOnStatus.has(status), `status ${status}`);
    this.#log(status);
    this.client.done(!this.h.close && !this.head!.closeDelimited && !this.bodyOpen);
  }

  /**
   * The client left: not the member's fault; 499 as NGINX logs it.
   * Before the head the try runs on to its outcome (head, error or response timeout), so a
   * member that never answers still counts as failing and a trial cannot pass for it.
   */
  clientGone(): void {
    if (this.state === W_OVER) return;
    if (this.tunnel) return this.tunnel.close("client went away");
    if (this.state === W_HEAD && this.member && (this.h.upgrade || this.clientStalled)) {
      // A handshake the client abandons, or interim heads it stopped reading, are nobody's failure: 499 now.
      this.stop();
      this.member.end(0);
      return this.#log(499);
    }
    if (this.state === W_HEAD && this.member && !this.bodyOpen) {
      this.clientLeft = true;
      return;
    }
    const answered = this.state === W_BODY;
    this.#endTry(true, "client went away", this.relay?.bytes ?? 0);
    this.#log(answered ? this.head!.status : 499);
  }

  /**
   * The client's streamed body stalled past clientTimeouts.body: the try ends, and it is not
   * the member's fault. True when no response byte went out, so the client may get the 408.
   */
  bodyStalled(): boolean {
    if (this.state !== W_HEAD) {
      this.clientGone();
      return false;
    }
    this.#endTry(true, "client body stalled");
    this.#log(408);
    return true;
  }

  /** The head came after the client left: the member answered (its outcome counts), nobody reads it. */
  protected override abandoned(status: number): void {
    this.#endTry(!this.pool.failOnStatus.has(status), `status ${status}`);
    this.#log(499);
  }

  /** Ends the try on its member, if one was chosen: the member's accounting and its health outcome. */
  #endTry(ok: boolean, reason: string, bytes = 0): void {
    const member = this.member;
    this.stop();
    if (!member) return;
    member.end(bytes);
    this.deps.outcome(this.pool, member, ok, reason);
  }

  #answer(kind: ProxyErrorKind, detail: string): void {
    // An HTTP/1.0 client is closed after the proxy's own answers: they carry no keep-alive line.
    const close = this.h.close || this.bodyOpen || this.h.http10;
    const { status, bytes, bodyBytes } = errorBytes(kind, detail, close);
    this.#send(status, bytes, bodyBytes, close);
  }

  /** The proxy's own answer (the route's auth refusing: 401, or 503 when the token could not be checked). */
  #local(a: LocalAnswer): void {
    this.#send(a.status, a.bytes, a.bodyBytes, this.h.close || this.bodyOpen || this.h.http10);
  }

  #send(status: number, bytes: Uint8Array, bodyBytes: number, close: boolean): void {
    this.state = W_OVER;
    if (this.clientLeft) return this.#log(499);
    this.client.send(bytes);
    this.#log(status, bodyBytes);
    this.client.done(!close);
  }

  #bodyBytes(): number {
    return this.body ? this.body.byteLength - this.bodyAt : (this.stream?.bytes ?? 0);
  }

  #log(status: number, bytes = this.relay?.bytes ?? 0): void {
    const h = this.h;
    const durationMs = performance.now() - this.started;
    // bytesIn: the held request body (as framed by the client), if any.
    recordExchange(this.route, this.member, status, this.#bodyBytes(), bytes, durationMs);
    // A route reading its token from the query logs the target without it (token-source.ts).
    const target = this.route.auth?.logTarget?.(h.target) ?? h.target;
    this.deps.access({
      clientIp: this.clientIp, method: h.method, target, protocol: h.protocol, status, bytes,
      referer: h.referer, userAgent: h.userAgent, host: h.hostHeader, route: this.route.label,
      // Pool and member only once one was chosen.
      pool: this.member ? this.pool.name : "", member: this.member?.origin ?? "", durationMs,
    });
  }
}

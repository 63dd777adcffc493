/**
 * How a client connection reads its requests (client-conn.ts links them to their exchanges;
 * client-output.ts writes to the socket): each head is read strictly (request-head.ts) and
 * planned (plan.ts); a body up to HOLD_MAX is read whole first (held-body.ts), a larger one
 * streams once a member connection is ready (request-body.ts). A pipelined request waits in the
 * buffer until the one before is done. A client slower than clientTimeouts with a head or a body
 * gets 408 (NGINX client_header_timeout, client_body_timeout), so a slowloris client is cut at
 * the header deadline. A base class, so that a connection stays one allocation.
 */
import { errorBytes, type ProxyErrorKind } from "../proxy/errors.ts";
import { BODY, ClientDeadline, HEAD, NONE } from "./client-deadline.ts";
import { LocalAnswer, localEntry } from "./local-answer.ts";
import { heldBody, heldBodyEnd, HeldWait, STREAM, WAIT } from "./held-body.ts";
import { ChunkScan } from "./chunk-scan.ts";
import { BadHead, blankLinesAt, MAX_BLANK_LINES, refusedEntry, requestLineParts, type RefusedHead } from "./request-check.ts";
import { RequestBody } from "./request-body.ts";
import { FastExchange } from "./fast-exchange.ts";
import { authorizeHead } from "./auth-step.ts";
import type { RuntimeRoute } from "../config/runtime.ts";
import type { ClientLink, StreamingExchange, UpgradedExchange } from "./exchange.ts";
import type { FrontContext } from "./front-context.ts";
import { headEnd, MAX_HEAD, readFastHead } from "./request-head.ts";
import type { FastHead } from "./fast-head.ts";
import { recordExchange } from "../metrics/record.ts";
import type { ClientSocket } from "./client-socket.ts";
import { ClientOutput } from "./client-output.ts";

/** Pipelined bytes waiting behind a busy exchange, before reading from the client pauses. */
const MAX_BUFFERED = 64 * 1024;
/** RFC 9110 10.1.1: a client that asked waits for this before it sends the body. */
const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n");
const HALF_CLOSED = "400 Bad Request: the client half-closed the connection before its request was complete";

export abstract class RequestIntake extends ClientOutput implements ClientLink {
  readonly trusted: boolean;
  readonly ctx: FrontContext;
  /** Bytes read and not yet a request (or a streamed body's part) of their own. */
  protected buf: Buffer | undefined;
  /** The exchange in flight. */
  protected busy: FastExchange | undefined;
  /** The exchange whose streamed request body the client is sending. */
  protected bodyTo: StreamingExchange | undefined;
  protected readonly deadline: ClientDeadline;
  /** The client half-closed (FIN): answer what it sent, then close. */
  protected readEnded = false;
  /** A local answer went out before its request's body was read: the client may be sending it still. */
  protected discarding = false;
  #continued = false;
  /** When the request being read began: kept while its body is awaited. */
  #began: number | undefined;
  /** An Expect: 100-continue head whose route's auth is checking the token: nothing else is read. */
  #checking = false;
  #looping = false;
  /** A held body still arriving after `buf`: its reads are only counted until it may be complete. */
  #waiting: HeldWait | undefined;
  /** Empty lines read since the last request line (RFC 9112 2.2). */
  #blankLines = 0;
  /** When the state machine last ran for this connection (a read, an exchange's end, a flush): the keep-alive idle time counts from here. */
  protected activeAt: number;

  constructor(sock: ClientSocket, ctx: FrontContext) {
    super(sock);
    this.ctx = ctx;
    this.activeAt = ctx.deps.deadlines.now();
    this.trusted = ctx.deps.isTrustedProxy(this.ip);
    this.deadline = new ClientDeadline(ctx.deps.deadlines, ctx.clientTimeouts, (kind) => this.refuse("client_timeout",
      kind === HEAD ? "408 Request Timeout: the request head took too long" : "408 Request Timeout: the request body stalled"));
  }

  // The exchange's side of the link (client-conn.ts).
  abstract done(keepAlive: boolean): void;
  abstract upgraded(x: UpgradedExchange): void;
  abstract streamBody(x: StreamingExchange): void;
  abstract bodyEnded(): void;

  /** Nothing in flight: safe to close (keep-alive timeout, shutdown). */
  get idle(): boolean {
    return !this.busy && !this.#checking && this.out.empty;
  }

  /** Request bytes (not a tunnel's, not a streamed body's): buffered, and read when nothing is in flight. */
  protected take(d: Buffer): void {
    if (this.#waiting) {
      this.activeAt = this.ctx.deps.deadlines.now();
      if (this.#waiting.more(d)) return this.deadline.set(BODY); // pushed on by every read
      return this.next();
    }
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    if (this.busy || this.#checking || !this.out.empty) {
      if (this.buf.byteLength > MAX_BUFFERED) this.pauseReading();
      return;
    }
    this.next();
  }

  protected next(): void {
    if (this.#looping) return;
    // A held body's later reads join `buf`, to be read whole once.
    if (this.#waiting) [this.buf, this.#waiting] = [this.#waiting.after(this.buf!), undefined];
    this.#looping = true;
    this.activeAt = this.ctx.deps.deadlines.now();
    try {
      // A pipelined request waits until the answers before it are out: a client that sends
      // and never reads must not make us hold its answers (backpressure through the kernel).
      while (this.buf && !this.busy && !this.#checking && !this.closeWhenFlushed && !this.closed && this.out.empty) {
        const buf = this.buf;
        const at = blankLinesAt(buf);
        if (at > 0) {
          if ((this.#blankLines += at / 2) > MAX_BLANK_LINES) return this.refuse("bad_request", "400 Bad Request: empty lines instead of a request line");
          this.buf = at < buf.byteLength ? buf.subarray(at) : undefined;
          continue;
        }
        this.#blankLines = 0;
        const end = headEnd(buf);
        if (end === -2) return this.refuse("bad_request", "400 Bad Request: a line ends in a bare LF");
        if (end === -1 && buf.byteLength <= MAX_HEAD) return this.readEnded ? this.refuse("bad_request", HALF_CLOSED) : this.deadline.set(HEAD);
        if (end === -1 || end > MAX_HEAD) return this.refuse("head_too_large", "431 Request Header Fields Too Large");
        // NGINX's $request_time: from the first bytes read, so the wait for a held body (and
        // a token check before 100) counts, not only the time after the last byte.
        const started = (this.#began ??= performance.now());
        const text = buf.toString("latin1", 0, end);
        try {
          if (!this.#serve(readFastHead(text), buf, end, started)) return;
          this.#began = undefined;
        } catch (e) {
          if (e instanceof BadHead) return this.refuse(e.kind, e.message, requestLineParts(text));
          throw e;
        }
      }
    } finally {
      this.#looping = false;
      // Nothing in flight and nothing more will come: a half-closed client has all its answers.
      if (this.readEnded && !this.busy && !this.#checking && !this.closeWhenFlushed && this.out.empty) this.closeAfterFlush();
    }
  }

  /** One request whose head ends at `end`; false when it waits for more of its body. Throws BadHead (400, 413). */
  #serve(head: FastHead, buf: Buffer, end: number, started: number): boolean {
    let plan = this.ctx.plan(head);
    // The proxy's own answers carry no keep-alive line: an HTTP/1.0 client is closed after them.
    if (plan instanceof LocalAnswer && head.http10 && !head.close) {
      head.close = true;
      plan = this.ctx.plan(head);
    }
    const local = plan instanceof LocalAnswer;
    const max = plan instanceof LocalAnswer ? undefined : plan.route.maxBodySize;
    let bodyEnd = end;
    let scan: ChunkScan | undefined;
    if (head.bodyLength > 0 || head.chunked) {
      if (head.chunked) scan = new ChunkScan();
      bodyEnd = heldBodyEnd(head, buf, end, max, scan);
      // A local answer does not wait for a body it would only discard: answered, then closed.
      if (local && (bodyEnd === STREAM || (bodyEnd === WAIT && head.expectContinue))) {
        head.close = true;
        this.discarding = true;
        plan = this.ctx.plan(head);
        bodyEnd = buf.byteLength;
      }
      // RFC 9110 10.1.1: a client that asked waits for 100 before it sends the body. NGINX sends
      // it only when it reads the body, after the access phase: a token the route refuses gets
      // its 401 before the client sends a byte of the body.
      if (bodyEnd < 0 && head.expectContinue && !this.#continued) {
        if (!(plan instanceof LocalAnswer) && plan.route.auth) return this.#admit(head, plan.route, started);
        this.send(CONTINUE);
      }
      this.#continued = bodyEnd === WAIT;
      if (bodyEnd === WAIT) {
        // No more will come: answered and logged, as NGINX logs a 400 for a request cut short.
        if (this.readEnded) return this.refuse("bad_request", HALF_CLOSED, head), false;
        this.deadline.set(BODY);
        this.#waiting = new HeldWait(head, buf.byteLength - end, scan, max);
        return false;
      }
    }
    const streamed = bodyEnd === STREAM;
    const rest = streamed ? end : bodyEnd;
    this.buf = rest < buf.byteLength ? buf.subarray(rest) : undefined;
    if (this.deadline.running) this.deadline.set(NONE);
    if (plan instanceof LocalAnswer) {
      this.#answer(plan, head, started, bodyEnd - end, plan.counted);
      this.done(!head.close);
      return true;
    }
    const body = !streamed && bodyEnd > end ? heldBody(buf, end, bodyEnd, head.chunked ? scan!.cut : -1) : undefined;
    const stream = streamed ? new RequestBody(head, max) : undefined;
    this.busy = new FastExchange(this, head, plan.path, plan.canonical, plan.route, plan.pool, this.ctx.deps, started, body, stream, body === buf ? end : 0);
    this.busy.start();
    return true;
  }

  /** The proxy's own answer to `head`, sent or not (`send`): counted on its route, logged. */
  #answer(a: LocalAnswer, head: FastHead, started: number, bytesIn: number, route: RuntimeRoute | undefined, send = true): void {
    if (send) this.send(a.bytes);
    this.#began = undefined;
    const entry = localEntry(this.ip, head, a, started);
    if (route) recordExchange(route, undefined, a.status, bytesIn, a.bodyBytes, entry.durationMs);
    this.ctx.deps.access(entry);
  }

  /**
   * The token of an Expect: 100-continue request is checked before the 100: refused, the client
   * gets the 401 (or 503) and the connection closes, since it may send the body regardless;
   * admitted, the 100 goes out and the head is read again (the exchange checks it once more and
   * edits that head for the member).
   */
  #admit(head: FastHead, route: RuntimeRoute, started: number): false {
    this.#checking = true;
    if (this.deadline.running) this.deadline.set(NONE);
    head.close = true; // only a refusal is sent from this head
    void authorizeHead(route, head, this.ip, this.ctx.deps.events).then((refusal) => {
      this.#checking = false;
      // The client left while its token was checked: logged as NGINX does (499).
      if (this.closed) return this.#answer(new LocalAnswer(499, new Uint8Array(0), 0, route.label), head, started, 0, route, false);
      if (this.closeWhenFlushed) return;
      if (refusal) {
        this.buf = undefined;
        this.#answer(refusal, head, started, 0, route);
        return this.lingerAfterFlush();
      }
      this.#continued = true;
      this.send(CONTINUE);
      // A client may send its body without waiting (RFC 9110 10.1.1): past MAX_BUFFERED reading
      // paused while the token was checked, and the rest of that body must still be read.
      this.resumeReading();
      this.next();
    });
    return false;
  }

  /** 400, 408, 413 or 431, then close, lingering but after a 408 (a stalled streamed body: its exchange logs the 408). */
  protected refuse(kind: ProxyErrorKind, detail: string, head?: RefusedHead): void {
    this.deadline.set(NONE);
    this.#began = undefined;
    const status = errorBytes(kind, detail, true);
    this.buf = this.#waiting = undefined;
    const busy = this.busy;
    if (busy) {
      this.busy = this.bodyTo = undefined;
      if (!busy.bodyStalled()) return this.abort();
    } else this.ctx.deps.access(refusedEntry(this.ip, status.status, head, status.bodyBytes));
    this.send(status.bytes);
    // A client that timed out, or has half-closed, is not sending: nothing to linger for.
    if (kind === "client_timeout" || this.readEnded) this.closeAfterFlush();
    else this.lingerAfterFlush();
  }
}

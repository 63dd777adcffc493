/**
 * One active health probe on the wire (active.ts decides what its answer means). A new
 * connection through the member's Dialer, so TLS, `verify`, `ca`, `serverName` and the session
 * are those of real traffic; exactly the request fields given plus `connection: close`, so the
 * member logs no User-Agent or Accept we invented; the head read by the same strict parser as
 * a relayed response's (upstream/response-head.ts); the body read only when a pattern needs it,
 * and only its first PROBE_BODY_MAX bytes (HAProxy's `http-check expect` looks at one buffer).
 * One connection per probe, as HAProxy's checks: a member that accepts no new connections fails
 * its probe even while pooled ones still answer.
 */
import type { Socket, SocketHandler } from "bun";
import type { AbortLike } from "../proxy/cancel.ts";
import { ChunkedDecoder } from "../upstream/chunked-decoder.ts";
import type { Dialed, Dialer } from "../upstream/dial.ts";
import { tlsAlertReason, UpstreamError } from "../upstream/errors.ts";
import { findHeadEnd, parseResponseHead } from "../upstream/response-head.ts";

/** The part of a probe's body a pattern is matched against. */
export const PROBE_BODY_MAX = 64 * 1024;

export interface ProbeRequest {
  method: string;
  /** request-target, sent byte for byte */
  target: string;
  host: string;
}

export interface ProbeAnswer {
  status: number;
  /** The body (UTF-8, at most PROBE_BODY_MAX bytes of it), when it was asked for. */
  body: string | undefined;
}

interface ProbeSocket extends Dialed {
  reader: ProbeReader | undefined;
  /** Request bytes the socket did not take yet (a long path on a full socket buffer). */
  unsent: Uint8Array | undefined;
}

const HANDLERS: SocketHandler<ProbeSocket> = {
  data: (s, d) => s.data.reader?.data(s, d),
  drain: (s) => send(s, s.data.unsent),
  close: (s, err) => closed(s, err),
  error: (s, err) => closed(s, err),
  connectError() {}, // reported through Dialer.connect's promise
};

function send(s: Socket<ProbeSocket>, bytes: Uint8Array | undefined): void {
  if (!bytes || s.data.closed) return;
  const n = s.write(bytes);
  s.data.unsent = n < bytes.byteLength ? bytes.subarray(Math.max(n, 0)) : undefined;
}

function closed(s: Socket<ProbeSocket>, err: Error | undefined): void {
  s.data.closed = true;
  s.data.reader?.closed(err);
}

/**
 * Resolves with the status and, with `wantBody`, the body; rejects with the Dialer's
 * ConnectError, an UpstreamError (malformed answer, closed early) or `signal`'s reason.
 */
export async function sendProbe(dialer: Dialer, req: ProbeRequest, connectTimeoutMs: number, wantBody: boolean, signal: AbortLike): Promise<ProbeAnswer> {
  const state: ProbeSocket = { closed: false, reader: undefined, unsent: undefined };
  const s = await dialer.connect(state, HANDLERS, connectTimeoutMs, signal);
  return new Promise<ProbeAnswer>((resolve, reject) => {
    const onAbort = () => reader.fail(signal.reason as Error);
    const reader = new ProbeReader(req.method === "HEAD", wantBody, (err, answer) => {
      signal.removeEventListener("abort", onAbort);
      state.reader = undefined;
      s.terminate();
      if (err) reject(err);
      else resolve(answer!);
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort);
    state.reader = reader;
    if (state.closed) return reader.closed(undefined);
    // The schema keeps target and host to printable ASCII, so latin1 is their bytes exactly.
    send(s, Buffer.from(`${req.method} ${req.target} HTTP/1.1\r\nhost: ${req.host}\r\nconnection: close\r\n\r\n`, "latin1"));
  });
}

/** Reads one response: the head (interim 1xx skipped), then as much body as the probe needs. */
class ProbeReader {
  #buf: Buffer | undefined;
  #status = 0;
  /** Body bytes still expected: a Content-Length's rest, or -1 until the close. */
  #remaining = -1;
  #decoder: ChunkedDecoder | undefined;
  readonly #body: Uint8Array[] = [];
  #bodyBytes = 0;
  #over = false;
  readonly #isHead: boolean;
  readonly #wantBody: boolean;
  readonly #done: (err: Error | undefined, answer?: ProbeAnswer) => void;

  constructor(isHead: boolean, wantBody: boolean, done: (err: Error | undefined, answer?: ProbeAnswer) => void) {
    this.#isHead = isHead;
    this.#wantBody = wantBody;
    this.#done = done;
  }

  fail(err: Error): void {
    this.#end(err);
  }

  data(_s: Socket<ProbeSocket>, d: Buffer): void {
    try {
      if (this.#status === 0) this.#head(d);
      else this.#take(d, 0);
    } catch (e) {
      this.#end(e as Error);
    }
  }

  /** A close or reset: in the proxy's words, whatever the socket said (its error is the cause). */
  closed(err: Error | undefined): void {
    const how = err ? "reset" : "closed";
    const cause = err ? { cause: err } : undefined;
    if (this.#status === 0) {
      // A TLS 1.3 member refuses our client certificate with an alert after the handshake.
      const alert = err ? tlsAlertReason(err.message) : undefined;
      if (alert && alert !== err!.message) return this.#end(new UpstreamError("ECONNRESET", alert, cause));
      const when = this.#buf ? "before the response head was complete" : "before responding";
      return this.#end(new UpstreamError("ECONNRESET", `upstream ${how} the connection ${when}`, cause));
    }
    // A body without a length ends at the close; one that was cut short is no answer.
    if (this.#remaining === -1 && !this.#decoder && !err) return this.#finish();
    this.#end(new UpstreamError("ECONNRESET", `upstream ${how} the connection mid-body`, cause));
  }

  #head(d: Buffer): void {
    let buf = this.#buf ? Buffer.concat([this.#buf, d]) : d;
    for (;;) {
      const end = findHeadEnd(buf, 0);
      if (end < 0) {
        if (buf.byteLength > PROBE_BODY_MAX) throw new UpstreamError("EMALFORMED", "malformed upstream response: head too large");
        this.#buf = buf;
        return;
      }
      const head = parseResponseHead(buf, 0, end);
      // RFC 9110 15.2: interim responses precede the final one; a 101 is final (nothing was asked to upgrade).
      if (head.status < 200 && head.status !== 101) {
        buf = buf.subarray(end);
        continue;
      }
      this.#buf = undefined;
      this.#status = head.status;
      if (!this.#wantBody || this.#isHead || head.status === 101 || head.status === 204 || head.status === 304 || head.contentLength === 0) return this.#finish();
      if (head.chunked) this.#decoder = new ChunkedDecoder();
      else this.#remaining = head.contentLength;
      return this.#take(buf, end);
    }
  }

  #take(buf: Buffer, from: number): void {
    if (this.#decoder) {
      if (this.#decoder.feed(buf, from, (part) => this.#keep(part)) >= 0) this.#finish();
    } else if (this.#remaining < 0) this.#keep(buf.subarray(from));
    else {
      const n = Math.min(this.#remaining, buf.byteLength - from);
      this.#keep(buf.subarray(from, from + n));
      this.#remaining -= n;
      if (this.#remaining === 0) this.#finish();
    }
    if (this.#bodyBytes >= PROBE_BODY_MAX) this.#finish();
  }

  #keep(part: Uint8Array): void {
    const room = PROBE_BODY_MAX - this.#bodyBytes;
    if (room <= 0 || part.byteLength === 0) return;
    const kept = part.byteLength > room ? part.subarray(0, room) : part;
    this.#body.push(Buffer.from(kept)); // a copy: the read's buffer is not ours to keep
    this.#bodyBytes += kept.byteLength;
  }

  #finish(): void {
    if (this.#over) return;
    this.#over = true;
    // stream: true drops a character the 64 KiB cut split, rather than ending in U+FFFD.
    const body = this.#wantBody ? new TextDecoder().decode(Buffer.concat(this.#body), { stream: true }) : undefined;
    this.#done(undefined, { status: this.#status, body });
  }

  #end(err: Error): void {
    if (this.#over) return;
    this.#over = true;
    this.#done(err);
  }
}

/**
 * The response side of one try (try-request.ts sent the request): the head read off the
 * member's socket (interim 1xx dropped; a 101 to an Upgrade hands both sockets to
 * byte-tunnel.ts), the body relayed no faster than the client takes it, the idle watch, and the
 * socket back to its lane after a complete response. How the exchange goes on after each
 * outcome is fast-exchange.ts's decision (the abstract methods).
 */
import { clientScheme } from "../rewrite/reverse.ts";
import { UpstreamError } from "../upstream/errors.ts";
import { findHeadEnd, parseResponseHead } from "../upstream/response-head.ts";
import { ByteTunnel } from "./byte-tunnel.ts";
import { BodyRelay, CHUNKED, headAndBody, UNTIL_CLOSE } from "./body-relay.ts";
import { clientHead, hasNoBody, interimHead, interimStatus, type ClientHead, type HeadContext } from "./response-head.ts";
import { TryRequest, W_BODY, W_HEAD, W_OVER, W_TUNNEL } from "./try-request.ts";
import type { LaneSocket } from "./upstream-lane.ts";
import type { UpgradedExchange } from "./exchange.ts";

/** A member's response head larger than this is malformed. */
const MAX_MEMBER_HEAD = 65536;

export abstract class TryResponse extends TryRequest implements UpgradedExchange {
  protected head: ClientHead | undefined;
  protected relay: BodyRelay | undefined;
  protected tunnel: ByteTunnel | undefined;
  /** The client left while we waited for the head: the try still runs to its outcome. */
  protected clientLeft = false;
  /** The member's socket may carry another request after this response. */
  #reusable = true;
  /** The client's queue is full: the member's socket is paused until it drains. */
  #waitingDrain = false;

  /** The member failed mid-body. */
  protected abstract cut(e: Error): void;
  /** The whole response went to the client; the member's socket is released. */
  protected abstract responded(): void;
  /** The head came after the client left. */
  protected abstract abandoned(status: number): void;
  /** The member closed before its head; `raced`: a pooled socket closed before any of it (the keep-alive race). */
  protected abstract closedBeforeHead(err: Error | undefined, raced: boolean): void;
  protected abstract tunnelOver(bytesOut: number, bytesIn: number, why: string | undefined): void;
  abstract clientGone(): void;

  upstreamData(s: LaneSocket, d: Buffer): void {
    if (this.state === W_BODY) return this.#relayBody(d, 0, undefined);
    if (this.tunnel) return this.tunnel.fromMember(d);
    if (this.state !== W_HEAD) return;
    let buf = this.partial ? Buffer.concat([this.partial, d]) : d;
    for (;;) {
      const end = findHeadEnd(buf, 0);
      // However the head arrives, in one read or many (NGINX: "upstream sent too big header").
      if (end > MAX_MEMBER_HEAD || (end < 0 && buf.byteLength > MAX_MEMBER_HEAD)) return this.failed(new UpstreamError("EMALFORMED", `malformed upstream response: head over ${MAX_MEMBER_HEAD} bytes`), true);
      if (end < 0) {
        this.partial = buf;
        return;
      }
      const interim = interimStatus(buf);
      if (this.h.upgrade && interim === 101) {
        // Relayed as received, so first read strictly: a bare CR or a broken field line is a 502.
        try {
          parseResponseHead(buf, 0, end);
        } catch (e) {
          return this.failed(e as Error, true);
        }
        return this.#upgraded(s, buf, end);
      }
      // RFC 9110 15.2: interim 1xx responses precede the final one (101 only after an Upgrade).
      // Forwarded but for 100 (the engine answers Expect itself) and to an HTTP/1.0 client, which
      // cannot read one.
      if (interim > 0 && interim !== 101) {
        if (interim !== 100 && !this.h.http10 && !this.clientLeft) {
          try {
            // With backpressure like a body: a member flooding 103s at a client that does not
            // read is read no faster than the client takes them (the response timeout still runs).
            this.#write(interimHead(buf, end));
          } catch (e) {
            return this.failed(e as Error, true);
          }
        }
        buf = buf.subarray(end);
        continue;
      }
      let head: ClientHead;
      try {
        const text = buf.toString("latin1", 0, end);
        head = clientHead(buf, end, text, this.#headContext(text), this.h.method === "HEAD");
      } catch (e) {
        if (e instanceof UpstreamError) return this.failed(e, true);
        return this.ruleFailed(e as Error);
      }
      return this.#startBody(head, buf, end);
    }
  }

  #headContext(upstreamHead: string): HeadContext {
    const member = this.member!;
    const setCookie = this.deps.stickyCookie?.(this.pool, this, member, upstreamHead);
    return { route: this.route, scheme: this.deps.scheme, clientScheme: clientScheme(this.deps.scheme, this.trusted, this.h.xForwardedProto), hostHeader: this.h.hostHeader, listenerPort: this.deps.listenerPort, clientIp: this.clientIp, member: member.origin, close: this.h.close || this.bodyOpen, http10: this.h.http10, setCookie };
  }

  #startBody(head: ClientHead, buf: Buffer, end: number): void {
    if (this.clientLeft) return this.abandoned(head.status);
    this.head = head;
    this.relay = new BodyRelay(hasNoBody(head.status, this.h.method === "HEAD") ? 0 : head.chunked ? CHUNKED : head.contentLength >= 0 ? head.contentLength : UNTIL_CLOSE, head.dechunk, head.rechunk);
    if (head.upstreamClose || this.h.upgrade || this.h.http10) this.#reusable = false; // an Upgrade answered without 101: the member's state is unknown
    this.#relayBody(buf, end, head);
  }

  /** Relays buf[from..]; with `head`, the response head goes out first, in the same write. */
  #relayBody(buf: Buffer, from: number, head: ClientHead | undefined): void {
    const relay = this.relay!;
    try {
      relay.take(buf, from);
    } catch (e) {
      // Bad chunking: before anything reached the client it is a failed try (502), after it a cut.
      return head ? this.failed(e as Error, true) : this.cut(e as Error);
    }
    if (head) {
      this.deps.deadlines.clear(this); // the idle timeout runs only if the body outlasts this read
      this.state = W_BODY;
      this.#write(headAndBody(head, buf, from, relay));
    } else if (relay.framed) this.#write(relay.framed);
    else if (relay.end > from) this.#write(from === 0 && relay.end === buf.byteLength ? buf : buf.subarray(from, relay.end));
    if (relay.spill) this.#reusable = false; // bytes past the response: the connection is out of step
    if (relay.over) return this.#complete();
    this.deps.deadlines.arm(this, this.route.timeouts.idle);
  }

  #write(bytes: Uint8Array): void {
    if (!this.client.send(bytes) && this.sock && !this.#waitingDrain) {
      this.#waitingDrain = true;
      this.sock.pause(); // read the member no faster than the client takes bytes
    }
  }

  /** The member switched protocols: its 101 goes to the client (with the sticky cookie), then bytes. */
  #upgraded(s: LaneSocket, buf: Buffer, end: number): void {
    const member = this.member!;
    this.deps.deadlines.clear(this);
    this.state = W_TUNNEL;
    this.partial = undefined;
    const cookie = this.deps.stickyCookie?.(this.pool, this, member);
    const head = cookie ? Buffer.concat([buf.subarray(0, end - 2), Buffer.from(`set-cookie: ${cookie}\r\n\r\n`, "latin1")]) : buf.subarray(0, end);
    this.deps.outcome(this.pool, member, true, "websocket upgraded");
    const c = this.client;
    this.tunnel = new ByteTunnel(s, {
      send: (b) => c.send(b), pauseReading: () => c.pauseReading(), resumeReading: () => c.resumeReading(),
      over: (out, into, why) => this.#tunnelClosed(out, into, why),
    }, this.deps.deadlines, this.deps.wsIdleMs);
    this.tunnel.fromMember(head);
    this.tunnel.bytesOut -= head.byteLength; // the log counts what follows the 101
    if (end < buf.byteLength) this.tunnel.fromMember(buf.subarray(end));
    c.upgraded(this);
  }

  fromClient(d: Uint8Array): void {
    this.tunnel?.fromClient(d);
  }

  #tunnelClosed(bytesOut: number, bytesIn: number, why: string | undefined): void {
    this.state = W_OVER;
    this.sock = undefined;
    this.tunnelOver(bytesOut, bytesIn, why);
  }

  override upstreamDrain(s: LaneSocket): void {
    if (this.tunnel) return this.tunnel.memberDrained();
    super.upstreamDrain(s);
  }

  /** The client took everything queued. */
  clientDrained(): void {
    if (this.tunnel) return this.tunnel.clientDrained();
    if (!this.#waitingDrain) return;
    this.#waitingDrain = false;
    if (this.state === W_HEAD) this.sock?.resume();
    else if (this.state === W_BODY) {
      this.sock?.resume();
      this.deps.deadlines.extend(this, this.route.timeouts.idle);
    }
  }

  override expire(): void {
    // Interim 1xx heads waiting on a client that does not read: its wait, not the member's.
    if (this.state === W_BODY || (this.state === W_HEAD && this.#waitingDrain)) return this.#idleExpired();
    super.expire();
  }

  /** The member's socket is paused until the client takes what is queued (interim 1xx heads, before the final one). */
  protected get clientStalled(): boolean {
    return this.#waitingDrain;
  }

  /** Nothing moved for the idle timeout: the member's fault, unless we were waiting for the client (NGINX send_timeout). */
  #idleExpired(): void {
    if (!this.#waitingDrain) return this.cut(new UpstreamError("ETIMEDOUT", "upstream idle timeout"));
    this.deps.events("warn", `pool=${this.pool.name} client ${this.clientIp} stopped reading; connection closed`);
    this.clientGone();
    this.client.abort();
  }

  upstreamClosed(_s: LaneSocket, err: Error | undefined): void {
    if (this.tunnel) return this.tunnel.close();
    this.sock = undefined;
    if (this.state === W_BODY) {
      // A body that ends at close is complete at a clean close (RFC 9112 6.3 item 8); a reset cuts it.
      if (this.relay!.untilClose && !err) {
        const last = this.relay!.lastChunk;
        if (last) this.#write(last);
        return this.#complete();
      }
      return this.cut(err ?? new UpstreamError("ECONNRESET", "upstream closed the connection mid-body"));
    }
    if (this.state === W_HEAD) this.closedBeforeHead(err, this.reused && this.partial === undefined);
  }

  /** The response is relayed: its socket goes back to the lane if the member keeps it open and it is in step. */
  #complete(): void {
    this.state = W_OVER;
    this.deps.deadlines.clear(this);
    const sock = this.sock;
    this.sock = undefined;
    if (sock) {
      if (this.#waitingDrain) sock.resume(); // every byte is read; an idle socket must see its close
      if (this.#reusable && !this.bodyOpen) this.deps.lanes.get(this.member!)!.release(sock);
      else { sock.data.user = undefined; sock.end(); }
    }
    this.responded();
  }
}

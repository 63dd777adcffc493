/**
 * WebSocket reverse proxying on Bun's native server WebSocket. The upstream connection is made
 * first, so a refused or unreachable upstream becomes an HTTP error rather than a 101 followed
 * by an immediate close; only then is the client upgraded with the upstream's subprotocol.
 */
import type { Server, WebSocketHandler } from "bun";
import { relayClose } from "./close-codes.ts";
import { answeredStatus, offeredProtocols, refusedStatus, upstreamHeaders, validProtocols } from "./handshake.ts";
import {
  flushToClient, stopPolling, toClient, toUpstream, upstreamClosed,
  type CloseInfo, type Direction, type Message, type WsData,
} from "./pump.ts";

export type { CloseInfo, Direction, WsData } from "./pump.ts";

export interface WebSocketHandlerOptions {
  idleTimeoutSec: number;
  maxPayloadLength: number;
  /** permessage-deflate with the client (default false). Negotiated per hop: RFC 6455 9.1. */
  perMessageDeflate?: boolean;
}

/** The `websocket` option for Bun.serve. */
export function createWebSocketHandler(opts: WebSocketHandlerOptions): WebSocketHandler<WsData> {
  return {
    idleTimeout: opts.idleTimeoutSec,
    maxPayloadLength: opts.maxPayloadLength,
    // Flow control pauses the upstream at the first -1, so Bun's own limit is only a last
    // resort; it must still admit one maximal message on top of what is in flight.
    backpressureLimit: Math.max(16 * 1024 * 1024, opts.maxPayloadLength * 2),
    perMessageDeflate: opts.perMessageDeflate ?? false,
    open(ws) {
      ws.data.client = ws;
      flushToClient(ws.data);
    },
    message(ws, message) {
      toUpstream(ws.data, ws, message);
    },
    drain(ws) {
      flushToClient(ws.data);
    },
    // Bun answers pings on both hops itself. Pings are forwarded so keepalives reach the far
    // end (and refresh its idle timer); pongs are not, since each ping was already answered by
    // Bun on the hop it arrived on, and a relayed pong would be a duplicate (RFC 6455 5.5.3).
    ping(ws, data) {
      if (ws.data.up.readyState === WebSocket.OPEN) ws.data.up.ping(data);
    },
    close(ws, code, reason) {
      const d = ws.data;
      d.closed = true;
      stopPolling(d);
      d.queue.length = 0;
      d.queueBytes = 0;
      if (d.up.readyState === WebSocket.OPEN || d.up.readyState === WebSocket.CONNECTING) {
        const spec = relayClose(code, reason, "client");
        if (spec.code === undefined) d.up.close();
        else d.up.close(spec.code, spec.reason);
      }
      d.onClose?.({ code, reason, bytesIn: d.bytesIn, bytesOut: d.bytesOut });
    },
  };
}

export interface ProxyWebSocketOptions {
  /** ws:// or wss:// URL including path and query. */
  upstreamUrl: string;
  /** Request headers for the upstream; hop-by-hop and Sec-WebSocket-* are dropped here. */
  headers: Headers;
  connectTimeoutMs: number;
  /** Extra headers for the client's 101 (e.g. a sticky Set-Cookie). */
  responseHeaders?: Headers;
  tls?: { rejectUnauthorized: boolean; ca?: string; serverName?: string };
  /** Offer permessage-deflate to the upstream (default true, Bun's default). */
  perMessageDeflate?: boolean;
  /** Client → upstream bytes buffered before the client is paused (default 1 MiB). */
  upstreamHighWaterBytes?: number;
  /** Upstream → client bytes the proxy may queue before closing with 1008 (default 64 MiB). */
  maxQueueBytes?: number;
  onClose?: (info: CloseInfo) => void;
  /**
   * Handshake failures, for passive health checks and logs. "client" is not the upstream's
   * fault: the client hung up before the handshake finished (the proxy's response is then 499).
   */
  onUpstreamError?: (kind: HandshakeFailure, detail: string) => void;
  /** Flow control transitions (metrics, tests). */
  onPressure?: (direction: Direction, paused: boolean) => void;
}

/** "answered": a 2xx/3xx instead of 101; the caller sends the request on as an ordinary one. */
export type HandshakeFailure = "refused" | "answered" | "unreachable" | "timeout" | "client";
type Outcome = { ok: true } | { ok: false; kind: HandshakeFailure; status: number; detail: string };

/** Connects upstream, then upgrades `req` (which must be the original Request). */
export async function proxyWebSocket(req: Request, server: Server<WsData>, opts: ProxyWebSocketOptions): Promise<Response | undefined> {
  const protocols = offeredProtocols(req);
  // Bun's WebSocket constructor throws on an offer it cannot send (RFC 6455 4.1): answer 400.
  if (!validProtocols(protocols)) return failure(400, "invalid Sec-WebSocket-Protocol: subprotocols must be unique tokens");
  const up = new WebSocket(opts.upstreamUrl, {
    headers: upstreamHeaders(opts.headers),
    protocols,
    perMessageDeflate: opts.perMessageDeflate ?? true,
    ...(opts.tls === undefined ? {} : { tls: opts.tls }),
  });
  // ArrayBuffer keeps text/binary distinguishable: strings are text frames, ArrayBuffers binary.
  up.binaryType = "arraybuffer";
  const d: WsData = {
    up, client: undefined, queue: [], queueBytes: 0, pendingClose: undefined,
    maxQueueBytes: opts.maxQueueBytes ?? 64 * 1024 * 1024,
    upPaused: false, clientPaused: false, pollTimer: undefined,
    upHighWater: opts.upstreamHighWaterBytes ?? 1024 * 1024,
    bytesIn: 0, bytesOut: 0, closed: false, onClose: opts.onClose, onPressure: opts.onPressure,
  };
  // Attached before the handshake completes so nothing the upstream sends right after its 101
  // is missed; it is queued until the client's `open`.
  up.addEventListener("message", (ev) => toClient(d, ev.data as Message));
  up.addEventListener("ping", (ev) => { if (d.client !== undefined && !d.closed) d.client.ping(ev.data as Message); });
  let connected = false;
  up.addEventListener("close", (ev) => { if (connected) upstreamClosed(d, ev.code, ev.reason); });

  const outcome = await connect(up, req, opts.connectTimeoutMs);
  if (!outcome.ok) {
    opts.onUpstreamError?.(outcome.kind, outcome.detail);
    return failure(outcome.status, outcome.detail);
  }
  connected = true;

  const headers = new Headers(opts.responseHeaders);
  if (up.protocol !== "") headers.set("Sec-WebSocket-Protocol", up.protocol);
  // Bun.serve picks the client's first offer when no protocol header is given. If the upstream
  // chose none, the client must see none (RFC 6455 4.2.2 /subprotocol/ null), so hide the offer
  // from Bun by editing the original Request in place (server.upgrade rejects copies).
  // (Bun 1.4.5's client fails such a handshake itself, "Missing client protocol", giving 502.)
  else if (protocols.length > 0) req.headers.delete("sec-websocket-protocol");
  if (server.upgrade(req, { data: d, headers })) return undefined;
  up.close(1011, "client upgrade failed");
  return failure(400, "WebSocket upgrade failed");
}

function connect(up: WebSocket, req: Request, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Outcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.signal.removeEventListener("abort", onAbort);
      if (!o.ok) up.terminate();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ ok: false, kind: "timeout", status: 504, detail: `upstream WebSocket connect timed out after ${timeoutMs} ms` }), timeoutMs);
    const onAbort = (): void => finish({ ok: false, kind: "client", status: 499, detail: "client went away during the handshake" });
    req.signal.addEventListener("abort", onAbort);
    up.addEventListener("open", () => finish({ ok: true }), { once: true });
    up.addEventListener("error", (ev) => {
      const status = refusedStatus(ev.message);
      const answered = answeredStatus(ev.message);
      if (status !== undefined) finish({ ok: false, kind: "refused", status, detail: `upstream refused the WebSocket upgrade with HTTP ${status}` });
      else if (answered !== undefined) finish({ ok: false, kind: "answered", status: answered, detail: `upstream answered the WebSocket upgrade with HTTP ${answered}` });
      else finish({ ok: false, kind: "unreachable", status: 502, detail: `upstream WebSocket unreachable: ${ev.message}` });
    }, { once: true });
    up.addEventListener("close", () => finish({ ok: false, kind: "unreachable", status: 502, detail: "upstream closed during the handshake" }), { once: true });
  });
}

function failure(status: number, detail: string): Response {
  return new Response(detail + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Per-connection relay state and flow control. Backpressure is end to end: when one side cannot
 * keep up, the proxy stops reading from the other side (TCP backpressure) instead of buffering.
 */
import type { ServerWebSocket } from "bun";
import { relayClose, type CloseSpec } from "./close-codes.ts";

export type Message = string | ArrayBuffer;
export type Direction = "toClient" | "toUpstream";

export interface CloseInfo { code: number; reason: string; bytesIn: number; bytesOut: number }

export interface WsData {
  readonly up: WebSocket;
  /** Set by the `open` handler; until then upstream messages wait in `queue`. */
  client: ServerWebSocket<WsData> | undefined;
  /** Upstream → client messages not yet handed to Bun: before `open`, or while the client is backpressured. */
  readonly queue: Message[];
  queueBytes: number;
  /** Hard bound on `queue` (pausing the upstream leaves only already-decoded messages to arrive). */
  readonly maxQueueBytes: number;
  /** The upstream's Close, to pass on once `queue` is flushed so no message is lost before it. */
  pendingClose: CloseSpec | undefined;
  upPaused: boolean;
  clientPaused: boolean;
  pollTimer: ReturnType<typeof setInterval> | undefined;
  /** Client → upstream: pause the client above this many bytes buffered upstream, resume below half. */
  readonly upHighWater: number;
  bytesIn: number;
  bytesOut: number;
  closed: boolean;
  readonly onClose: ((info: CloseInfo) => void) | undefined;
  readonly onPressure: ((direction: Direction, paused: boolean) => void) | undefined;
}

export function byteSize(m: Message | Buffer): number {
  return typeof m === "string" ? Buffer.byteLength(m) : m.byteLength;
}

function setUpPaused(d: WsData, paused: boolean): void {
  if (d.upPaused === paused) return;
  d.upPaused = paused;
  if (paused) d.up.pause(); else d.up.resume();
  d.onPressure?.("toClient", paused);
}

/** Closes the client with `spec`; 1005/undefined becomes a Close frame without a code in Bun. */
function closeClient(d: WsData, spec: CloseSpec): void {
  d.client?.close(spec.code ?? 1005, spec.reason);
}

/** Upstream message: send now, or queue (and stop reading upstream) until the client can take it. */
export function toClient(d: WsData, m: Message): void {
  if (d.closed) return;
  d.bytesOut += byteSize(m);
  if (d.client === undefined || d.queue.length > 0 || d.upPaused) {
    d.queue.push(m);
    d.queueBytes += byteSize(m);
    setUpPaused(d, true);
    if (d.queueBytes > d.maxQueueBytes) overflow(d);
    return;
  }
  sendOne(d, d.client, m);
}

/** ServerWebSocket.send: >0 sent, -1 accepted but backpressured, 0 dropped (or an empty message). */
function sendOne(d: WsData, ws: ServerWebSocket<WsData>, m: Message): boolean {
  // compress=true only takes effect when the handler enabled perMessageDeflate and this client
  // negotiated it (RFC 7692); otherwise Bun ignores it.
  const status = ws.send(m, true);
  if (status === 0 && byteSize(m) > 0) {
    // Only past backpressureLimit, which pausing at -1 keeps us from reaching: fail loudly.
    d.queue.length = 0;
    d.queueBytes = 0;
    closeClient(d, { code: 1011, reason: "proxy could not buffer message" });
    return false;
  }
  if (status === -1) setUpPaused(d, true);
  return status !== -1;
}

/** Called from `open` and `drain`: hand queued messages to Bun until it pushes back. */
export function flushToClient(d: WsData): void {
  const ws = d.client;
  if (ws === undefined || d.closed) return;
  while (d.queue.length > 0) {
    const m = d.queue.shift() as Message;
    d.queueBytes -= byteSize(m);
    if (!sendOne(d, ws, m)) return;
  }
  if (d.pendingClose !== undefined) {
    closeClient(d, d.pendingClose);
    return;
  }
  setUpPaused(d, false);
}

function overflow(d: WsData): void {
  // RFC 6455 7.4.1 1008: the client violated the proxy's policy by reading too slowly.
  d.queue.length = 0;
  d.queueBytes = 0;
  const spec = { code: 1008, reason: "proxy buffer limit exceeded" };
  if (d.client !== undefined) closeClient(d, spec);
  else d.pendingClose = spec;
  d.up.close(1008, spec.reason);
}

/** The upstream closed: pass it on after anything still queued. */
export function upstreamClosed(d: WsData, code: number, reason: string): void {
  if (d.pendingClose !== undefined) return;
  d.pendingClose = relayClose(code, reason, "upstream");
  if (d.client !== undefined && d.queue.length === 0) closeClient(d, d.pendingClose);
}

/**
 * Client message. Bun's client WebSocket has `bufferedAmount` but no drain event, so above the
 * high-water mark the client socket is paused and the upstream buffer is polled until it halves.
 */
export function toUpstream(d: WsData, ws: ServerWebSocket<WsData>, m: string | Buffer): void {
  if (d.up.readyState !== WebSocket.OPEN) return; // closing: RFC 6455 5.5.1, no data after Close
  d.bytesIn += byteSize(m);
  d.up.send(m);
  if (d.clientPaused || d.up.bufferedAmount <= d.upHighWater) return;
  d.clientPaused = true;
  ws.pause();
  d.onPressure?.("toUpstream", true);
  d.pollTimer = setInterval(() => {
    if (d.up.readyState === WebSocket.OPEN && d.up.bufferedAmount > d.upHighWater / 2) return;
    stopPolling(d);
    d.clientPaused = false;
    if (!d.closed) ws.resume();
    d.onPressure?.("toUpstream", false);
  }, 5);
}

export function stopPolling(d: WsData): void {
  if (d.pollTimer !== undefined) clearInterval(d.pollTimer);
  d.pollTimer = undefined;
}

/** Shared setup for the WebSocket relay tests: real upstream, real front, real clients. */
import type { Server, ServerWebSocket, WebSocketHandler, WebSocketOptions } from "bun";
import { createWebSocketHandler, proxyWebSocket, type ProxyWebSocketOptions, type WsData } from "../../src/ws/relay.ts";

export interface UpData { headers: Headers; url: string }

/** A Bun.serve upstream. `fetch` may refuse; otherwise it upgrades, echoing a chosen protocol. */
export function upstream(
  ws: WebSocketHandler<UpData>,
  opts: { pickProtocol?: (offered: string[]) => string | undefined; refuse?: number; maxPayloadLength?: number } = {},
): Server<UpData> {
  return Bun.serve<UpData>({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req, server) {
      if (opts.refuse !== undefined) return new Response("go away", { status: opts.refuse });
      const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      const chosen = opts.pickProtocol?.(offered);
      const headers: Record<string, string> = chosen === undefined ? {} : { "Sec-WebSocket-Protocol": chosen };
      // Bun.serve answers with the first offer unless the header is gone from the Request.
      if (opts.pickProtocol !== undefined && chosen === undefined) req.headers.delete("sec-websocket-protocol");
      if (server.upgrade(req, { data: { headers: req.headers, url: req.url }, headers })) return undefined;
      return new Response("not a websocket", { status: 400 });
    },
    websocket: { maxPayloadLength: opts.maxPayloadLength ?? 64 * 1024 * 1024, ...ws },
  });
}

/** An echo upstream, keeping text and binary as they came. */
export function echoUpstream(opts: Parameters<typeof upstream>[1] = {}): Server<UpData> {
  return upstream({ message(ws, m) { ws.send(m); } }, opts);
}

export function front(
  upstreamUrl: string,
  extra: Partial<ProxyWebSocketOptions> = {},
  handler: { idleTimeoutSec?: number; maxPayloadLength?: number; perMessageDeflate?: boolean } = {},
): Server<WsData> {
  return Bun.serve<WsData>({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, server) => proxyWebSocket(req, server, { upstreamUrl, headers: req.headers, connectTimeoutMs: 2000, ...extra }),
    websocket: createWebSocketHandler({ idleTimeoutSec: handler.idleTimeoutSec ?? 120, maxPayloadLength: handler.maxPayloadLength ?? 64 * 1024 * 1024, perMessageDeflate: handler.perMessageDeflate ?? false }),
  });
}

export function portOf(s: Server<unknown>): number {
  if (s.port === undefined) throw new Error("server has no TCP port");
  return s.port;
}

export function wsUrl(s: Server<unknown>, path = "/"): string {
  return `ws://127.0.0.1:${portOf(s)}${path}`;
}

/** Collects events of a WebSocket so tests can await them in order. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private waiters: Array<(v: T) => void> = [];
  push(v: T): void {
    const w = this.waiters.shift();
    if (w) w(v); else this.items.push(v);
  }
  next(): Promise<T> {
    const v = this.items.shift();
    if (v !== undefined) return Promise.resolve(v);
    return new Promise((r) => this.waiters.push(r));
  }
}

export interface Client {
  ws: WebSocket;
  messages: Inbox<string | ArrayBuffer>;
  closed: Promise<CloseEvent>;
}

export async function connectClient(url: string, init?: WebSocketOptions): Promise<Client> {
  const ws = new WebSocket(url, init);
  ws.binaryType = "arraybuffer";
  const messages = new Inbox<string | ArrayBuffer>();
  ws.addEventListener("message", (ev) => messages.push(ev.data as string | ArrayBuffer));
  const closed = new Promise<CloseEvent>((r) => ws.addEventListener("close", r));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", (e) => reject(new Error((e as ErrorEvent).message)), { once: true });
  });
  return { ws, messages, closed };
}

/** Resolves with the upstream-side close (code, reason) via a handler hook. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

export type UpSocket = ServerWebSocket<UpData>;

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type RunningProxy } from "./harness.ts";

/** A WebSocket echo upstream that prefixes text with its name and picks "chat.v2" if offered. */
function wsUpstream(name: string) {
  const server = Bun.serve<{ name: string }>({
    port: 0, hostname: "127.0.0.1", development: false,
    fetch(req, srv) {
      const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
      const headers = offered.includes("chat.v2") ? { "Sec-WebSocket-Protocol": "chat.v2" } : undefined;
      if (srv.upgrade(req, { data: { name }, headers })) return undefined;
      return new Response("not a websocket", { status: 400 });
    },
    websocket: {
      maxPayloadLength: 32 * 1024 * 1024,
      message(ws, m) {
        if (typeof m === "string") ws.send(m === "close-please" ? "" : `${ws.data.name}:${m}`);
        else ws.send(m);
        if (m === "close-please") ws.close(1000, "done");
      },
    },
  });
  return { server, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

function open(url: string, opts: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { protocols: opts.protocols, headers: opts.headers } as never);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error(`websocket error: ${String((e as ErrorEvent).message ?? e.type)}`));
  });
}
const next = (ws: WebSocket) => new Promise<string | ArrayBuffer>((r) => (ws.onmessage = (e) => r(e.data)));

describe("WebSocket proxying through dist/proxy", () => {
  const a = wsUpstream("a"), b = wsUpstream("b");
  let p: RunningProxy;
  let wsUrl: string;
  beforeAll(async () => {
    p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { live: { members: [{ url: a.url, route: "a" }, { url: b.url, route: "b" }], sticky: { cookie: "ROUTEID", mode: "insert" } } },
      routes: [{ path: "/ws", pool: "live" }],
      websocket: { maxMessageSize: "32MB" },
      accessLog: { path: "/dev/null" },
    });
    wsUrl = p.url.replace("http", "ws") + "/ws";
  });
  afterAll(async () => { await p.stop(); a.stop(); b.stop(); });

  test("text and binary echo, subprotocol negotiated by the upstream", async () => {
    const ws = await open(wsUrl, { protocols: ["chat.v1", "chat.v2"] });
    expect(ws.protocol).toBe("chat.v2");
    ws.send("hello");
    expect(await next(ws)).toMatch(/^[ab]:hello$/);
    ws.send(new Uint8Array([1, 2, 3, 255]));
    expect([...new Uint8Array((await next(ws)) as ArrayBuffer)]).toEqual([1, 2, 3, 255]);
    ws.close(1000);
  });

  test("the upstream's close code and reason reach the client", async () => {
    const ws = await open(wsUrl);
    const closed = new Promise<CloseEvent>((r) => (ws.onclose = r));
    ws.send("close-please");
    const ev = await closed;
    expect(ev.code).toBe(1000);
    expect(ev.reason).toBe("done");
  });

  test("a sticky cookie set on the 101 brings a reconnect back to the same member", async () => {
    // The 101's Set-Cookie is invisible to WebSocket clients, so read it from a raw handshake.
    const host = new URL(p.url);
    const head = await new Promise<string>((resolve) => {
      let buf = "";
      Bun.connect({ hostname: host.hostname, port: Number(host.port), socket: {
        open(s) { s.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`); },
        data(s, d) { buf += d.toString(); if (buf.includes("\r\n\r\n")) { s.end(); resolve(buf); } },
      } });
    });
    expect(head).toStartWith("HTTP/1.1 101");
    const cookie = /set-cookie: (ROUTEID=\.[ab]); Path=\//i.exec(head)![1]!;
    const route = cookie.slice(-1);
    for (let i = 0; i < 3; i++) {
      const ws = await open(wsUrl, { headers: { cookie } });
      ws.send("who");
      expect(await next(ws)).toBe(`${route}:who`);
      ws.close();
    }
  });

  test("a 10 MB message passes both ways", async () => {
    const ws = await open(wsUrl);
    const big = new Uint8Array(10 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    ws.send(big);
    const back = new Uint8Array((await next(ws)) as ArrayBuffer);
    expect(back.length).toBe(big.length);
    expect(Buffer.from(back).equals(Buffer.from(big))).toBe(true);
    ws.close();
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { connectClient, deferred, echoUpstream, front, portOf, upstream, wsUrl } from "./harness.ts";

const servers: Array<Server<unknown>> = [];
function track<T extends Server<never>>(s: T): T { servers.push(s as unknown as Server<unknown>); return s; }
afterEach(() => { for (const s of servers.splice(0)) s.stop(true); });

describe("relaying messages", () => {
  test("text and binary echo keep their frame type", async () => {
    const up = track(echoUpstream());
    const fr = track(front(wsUrl(up, "/echo")));
    const c = await connectClient(wsUrl(fr));
    c.ws.send("héllo");
    expect(await c.messages.next()).toBe("héllo");
    c.ws.send(new Uint8Array([0, 1, 2, 255, 128]));
    const bin = await c.messages.next();
    expect(bin).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(bin as ArrayBuffer)]).toEqual([0, 1, 2, 255, 128]);
    c.ws.send("");
    expect(await c.messages.next()).toBe("");
    c.ws.close();
    await c.closed;
  });

  test("permessage-deflate is negotiated per hop when the handler enables it", async () => {
    const up = track(echoUpstream());
    const fr = track(front(wsUrl(up), {}, { perMessageDeflate: true }));
    const c = await connectClient(wsUrl(fr));
    expect(c.ws.extensions).toContain("permessage-deflate");
    const text = "compressible ".repeat(10_000);
    c.ws.send(text);
    expect(await c.messages.next()).toBe(text);
    c.ws.close();
  });

  test("many messages keep their order both ways", async () => {
    const up = track(echoUpstream());
    const fr = track(front(wsUrl(up)));
    const c = await connectClient(wsUrl(fr));
    for (let i = 0; i < 2000; i++) c.ws.send(i % 2 ? `m${i}` : new TextEncoder().encode(`b${i}`));
    for (let i = 0; i < 2000; i++) {
      const m = await c.messages.next();
      expect(typeof m === "string" ? m : new TextDecoder().decode(m)).toBe(i % 2 ? `m${i}` : `b${i}`);
    }
    c.ws.close();
  });

  test("messages the upstream sends before the client's open are delivered in order", async () => {
    const up = track(upstream({ open(ws) { for (let i = 0; i < 50; i++) ws.send(`early${i}`); } }));
    const fr = track(front(wsUrl(up)));
    const c = await connectClient(wsUrl(fr));
    for (let i = 0; i < 50; i++) expect(await c.messages.next()).toBe(`early${i}`);
    c.ws.close();
  });

  test("a 10 MB message passes both ways", async () => {
    const up = track(echoUpstream());
    const fr = track(front(wsUrl(up), {}, { maxPayloadLength: 16 * 1024 * 1024 }));
    const c = await connectClient(wsUrl(fr));
    const big = new Uint8Array(10 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    c.ws.send(big);
    const back = new Uint8Array((await c.messages.next()) as ArrayBuffer);
    expect(back.length).toBe(big.length);
    expect(Buffer.from(back).equals(Buffer.from(big))).toBe(true);
    const text = "x".repeat(10 * 1024 * 1024);
    c.ws.send(text);
    expect(((await c.messages.next()) as string).length).toBe(text.length);
    c.ws.close();
  });
});

describe("handshake", () => {
  test("the upstream's chosen subprotocol reaches the client; request headers reach the upstream", async () => {
    const seen = deferred<{ headers: Headers; url: string }>();
    const up = track(upstream({ open(ws) { seen.resolve(ws.data); } }, { pickProtocol: (o) => o[1] }));
    const fr = track(front(`${wsUrl(up, "/path")}?q=1`));
    const c = await connectClient(wsUrl(fr), { protocols: ["chat.v1", "chat.v2"], headers: { Cookie: "sid=abc", "X-Test": "yes" } });
    expect(c.ws.protocol).toBe("chat.v2");
    const data = await seen.promise;
    expect(data.headers.get("cookie")).toBe("sid=abc");
    expect(data.headers.get("x-test")).toBe("yes");
    expect(data.headers.get("sec-websocket-protocol")).toBe("chat.v1, chat.v2");
    expect(new URL(data.url).pathname + new URL(data.url).search).toBe("/path?q=1");
    c.ws.close();
  });

  test("an upstream that picks no subprotocol when some were offered gives 502", async () => {
    // Bun's client WebSocket (like browsers and the ws package) fails such a handshake with
    // "Missing client protocol", so the proxy cannot complete it; a direct client would fail too.
    const up = track(upstream({}, { pickProtocol: () => undefined }));
    const fr = track(front(wsUrl(up)));
    const head = await rawHandshake(portOf(fr), "proto-a, proto-b");
    expect(head.split("\r\n")[0]).toBe("HTTP/1.1 502 Bad Gateway");
    // Without an offer, no protocol is invented.
    const c = await connectClient(wsUrl(fr));
    expect(c.ws.protocol).toBe("");
    c.ws.close();
  });

  test("upstream down gives 502", async () => {
    const probe = Bun.serve({ port: 0, fetch: () => new Response("") });
    const port = probe.port;
    probe.stop(true);
    const errors: string[] = [];
    const fr = track(front(`ws://127.0.0.1:${port}/`, { onUpstreamError: (k) => errors.push(k) }));
    const res = await fetch(`http://127.0.0.1:${fr.port}/`, { headers: wsHeaders() });
    expect(res.status).toBe(502);
    expect(errors).toEqual(["unreachable"]);
  });

  test("an upstream refusing the upgrade has its status relayed", async () => {
    for (const status of [403, 404, 503]) {
      const up = track(upstream({}, { refuse: status }));
      const fr = track(front(wsUrl(up)));
      const res = await fetch(`http://127.0.0.1:${fr.port}/`, { headers: wsHeaders() });
      expect(res.status).toBe(status);
      expect(await res.text()).toContain(`upstream refused the WebSocket upgrade with HTTP ${status}`);
    }
  });

  test("an invalid subprotocol offer gets 400 and no upstream connection is made", async () => {
    let handshakes = 0;
    const up = track(upstream({}, { pickProtocol: (o) => { handshakes++; return o[0]; } }));
    const fr = track(front(wsUrl(up)));
    for (const offer of ["a, a", "a b", "a, \x7f"]) {
      const head = await rawHandshake(portOf(fr), offer);
      expect(head.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
    }
    expect(handshakes).toBe(0);
  });

  test("a client that hangs up mid-handshake is reported as 'client', not as an upstream failure", async () => {
    // An upstream that accepts the TCP connection and the handshake request, and never answers.
    const got = deferred<void>();
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() { got.resolve(); } } });
    const reported = deferred<string>();
    const fr = track(front(`ws://127.0.0.1:${silent.port}/`, { connectTimeoutMs: 30_000, onUpstreamError: (kind) => reported.resolve(kind) }));
    try {
      const sock = await Bun.connect({ hostname: "127.0.0.1", port: portOf(fr), socket: { data() {} } });
      sock.write(`GET / HTTP/1.1\r\nHost: x\r\n${Object.entries(wsHeaders()).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
      await got.promise;
      sock.end();
      expect(await reported.promise).toBe("client");
    } finally {
      silent.stop(true);
    }
  });

  test("responseHeaders appear on the 101 (raw handshake)", async () => {
    const up = track(upstream({}, { pickProtocol: (o) => o[0] }));
    const h = new Headers();
    h.append("Set-Cookie", "sticky=m1; Path=/");
    h.append("X-Proxy", "edge");
    const fr = track(front(wsUrl(up), { responseHeaders: h }));
    const head = await rawHandshake(portOf(fr), "proto-a, proto-b");
    expect(head.split("\r\n")[0]).toBe("HTTP/1.1 101 Switching Protocols");
    expect(head.toLowerCase()).toContain("set-cookie: sticky=m1; path=/");
    expect(head.toLowerCase()).toContain("x-proxy: edge");
    expect(head.toLowerCase()).toContain("sec-websocket-protocol: proto-a");
  });
});

function wsHeaders(): Record<string, string> {
  return { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" };
}

/** Hand-written RFC 6455 4.1 handshake; resolves with the response head. */
async function rawHandshake(port: number, protocols: string): Promise<string> {
  const done = deferred<string>();
  let buf = "";
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(s, chunk) {
        buf += chunk.toString("latin1");
        const end = buf.indexOf("\r\n\r\n");
        if (end >= 0) { done.resolve(buf.slice(0, end)); s.end(); }
      },
    },
  });
  const lines = [`GET / HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(wsHeaders()).map(([k, v]) => `${k}: ${v}`), `Sec-WebSocket-Protocol: ${protocols}`];
  sock.write(lines.join("\r\n") + "\r\n\r\n");
  return done.promise;
}


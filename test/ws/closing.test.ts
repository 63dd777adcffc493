import { afterEach, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { createWebSocketHandler, type CloseInfo } from "../../src/ws/relay.ts";
import { connectClient, deferred, front, upstream, wsUrl, type UpSocket } from "./harness.ts";

const servers: Array<Server<unknown>> = [];
function track<T extends Server<never>>(s: T): T { servers.push(s as unknown as Server<unknown>); return s; }
afterEach(() => { for (const s of servers.splice(0)) s.stop(true); });

type Closed = { code: number; reason: string };

function upstreamSeeingClose(): { server: Server<never>; closed: Promise<Closed>; opened: Promise<UpSocket> } {
  const closed = deferred<Closed>();
  const opened = deferred<UpSocket>();
  const server = upstream({ open: (ws) => opened.resolve(ws), close: (_ws, code, reason) => closed.resolve({ code, reason }) });
  return { server: server as unknown as Server<never>, closed: closed.promise, opened: opened.promise };
}

describe("client closes", () => {
  for (const [code, reason] of [[1000, "done"], [4001, "bye"], [3000, ""]] as const) {
    test(`${code} ${JSON.stringify(reason)} reaches the upstream and the access log`, async () => {
      const up = upstreamSeeingClose();
      track(up.server);
      const log = deferred<CloseInfo>();
      const fr = track(front(wsUrl(up.server), { onClose: log.resolve }));
      const c = await connectClient(wsUrl(fr));
      c.ws.send("12345");
      c.ws.close(code, reason);
      expect(await up.closed).toEqual({ code, reason });
      const info = await log.promise;
      expect(info).toMatchObject({ code, reason, bytesIn: 5, bytesOut: 0 });
      expect((await c.closed).code).toBe(code);
    });
  }

  test("a Close frame without a code is relayed without a code (1005 on the far side)", async () => {
    const up = upstreamSeeingClose();
    track(up.server);
    const fr = track(front(wsUrl(up.server)));
    const c = await connectClient(wsUrl(fr));
    c.ws.close();
    expect((await up.closed).code).toBe(1005);
  });

  test("a client that vanishes (1006) is reported upstream as 1001 going away", async () => {
    const up = upstreamSeeingClose();
    track(up.server);
    const fr = track(front(wsUrl(up.server)));
    const c = await connectClient(wsUrl(fr));
    c.ws.terminate();
    expect(await up.closed).toEqual({ code: 1001, reason: "client connection lost" });
  });
});

describe("upstream closes", () => {
  for (const [code, reason] of [[1000, ""], [4002, "server bye"], [1011, "oops"]] as const) {
    test(`${code} ${JSON.stringify(reason)} reaches the client`, async () => {
      const up = upstreamSeeingClose();
      track(up.server);
      const fr = track(front(wsUrl(up.server)));
      const c = await connectClient(wsUrl(fr));
      (await up.opened).close(code, reason);
      const ev = await c.closed;
      expect({ code: ev.code, reason: ev.reason }).toEqual({ code, reason });
    });
  }

  test("an upstream that vanishes (1006) is reported to the client as 1011", async () => {
    const up = upstreamSeeingClose();
    track(up.server);
    const fr = track(front(wsUrl(up.server)));
    const c = await connectClient(wsUrl(fr));
    (await up.opened).terminate();
    const ev = await c.closed;
    expect({ code: ev.code, reason: ev.reason }).toEqual({ code: 1011, reason: "upstream connection lost" });
  });

  test("messages sent just before the upstream's close all arrive before the close", async () => {
    const up = track(upstream({ open(ws) { for (let i = 0; i < 300; i++) ws.send(`m${i}`); ws.close(4000, "end"); } }));
    const fr = track(front(wsUrl(up)));
    const c = await connectClient(wsUrl(fr));
    for (let i = 0; i < 300; i++) expect(await c.messages.next()).toBe(`m${i}`);
    const ev = await c.closed;
    expect(ev.code).toBe(4000);
  });
});

describe("ping/pong", () => {
  test("client pings are answered and forwarded upstream; upstream pings reach the client", async () => {
    const upPing = deferred<string>();
    const up = track(upstream({ ping: (_ws, data) => upPing.resolve(Buffer.from(data).toString()), message(ws) { ws.ping("from-up"); } }));
    const fr = track(front(wsUrl(up)));
    const c = await connectClient(wsUrl(fr));
    const pong = new Promise<string>((r) => c.ws.addEventListener("pong", (ev) => r(Buffer.from(ev.data as ArrayBuffer).toString()), { once: true }));
    const ping = new Promise<string>((r) => c.ws.addEventListener("ping", (ev) => r(Buffer.from(ev.data as ArrayBuffer).toString()), { once: true }));
    c.ws.ping("from-client");
    expect(await pong).toBe("from-client");
    expect(await upPing.promise).toBe("from-client");
    c.ws.send("go");
    expect(await ping).toBe("from-up");
    c.ws.close();
  });

  test("the handler carries the idle timeout, payload limit and compression setting", () => {
    const h = createWebSocketHandler({ idleTimeoutSec: 30, maxPayloadLength: 1234 });
    expect(h).toMatchObject({ idleTimeout: 30, maxPayloadLength: 1234, perMessageDeflate: false });
  });
});


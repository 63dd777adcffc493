/**
 * Upgrades on the socket front: the handshake goes to the member, its 101 comes back, then
 * bytes flow both ways undecoded, so WebSocket extensions and other protocols pass untouched.
 */
import { afterEach, expect, test } from "bun:test";
import { startProxy } from "./harness.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

test("permessage-deflate is negotiated end to end: the member sees the client's own key and extensions", async () => {
  const seen: Record<string, string | null>[] = [];
  const up = Bun.serve({
    port: 0, hostname: "127.0.0.1",
    fetch(req, srv) {
      seen.push({ key: req.headers.get("sec-websocket-key"), ext: req.headers.get("sec-websocket-extensions"), xff: req.headers.get("x-forwarded-for") });
      return srv.upgrade(req) ? undefined : new Response("no", { status: 400 });
    },
    websocket: { perMessageDeflate: true, message(ws, m) { ws.send(m); } },
  });
  cleanups.push(() => up.stop(true));
  const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: `http://127.0.0.1:${up.port}` }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { path: "/dev/null" } });
  cleanups.push(() => p.stop());
  const ws = new WebSocket(p.url.replace("http", "ws") + "/ws", { perMessageDeflate: true } as never);
  await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error("no open")); });
  expect(ws.extensions).toContain("permessage-deflate");
  const echoed = new Promise<string>((r) => (ws.onmessage = (e) => r(String(e.data))));
  ws.send("x".repeat(10_000));
  expect(await echoed).toBe("x".repeat(10_000));
  ws.close();
  expect(seen[0]!.ext).toContain("permessage-deflate");
  expect(seen[0]!.key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  expect(seen[0]!.xff).toBe("127.0.0.1");
});

test("any Upgrade protocol: after the member's 101 bytes pass both ways as they are", async () => {
  const member = Bun.listen<{ up: boolean }>({ hostname: "127.0.0.1", port: 0, socket: {
    open(s) { s.data = { up: false }; },
    data(s, d) {
      if (!s.data.up) {
        s.data.up = true;
        s.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo/1\r\n\r\n");
        return;
      }
      s.write(d); // echo raw bytes
    },
  } });
  cleanups.push(() => member.stop(true));
  const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: `http://127.0.0.1:${member.port}` }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { path: "/dev/null" } });
  cleanups.push(() => p.stop());
  const u = new URL(p.url);
  let got = "";
  const sawEcho = Promise.withResolvers<void>();
  const sock = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: {
    data(s, d) {
      got += d.toString("latin1");
      if (got.includes("\r\n\r\n") && !got.includes("\x00\x01")) s.write("\x00\x01\r\n\n raw");
      if (got.endsWith("\x00\x01\r\n\n raw")) sawEcho.resolve();
    },
  } });
  sock.write("GET /e HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo/1\r\n\r\n");
  await sawEcho.promise;
  expect(got).toStartWith("HTTP/1.1 101 Switching Protocols\r\n");
  expect(got.toLowerCase()).toContain("upgrade: echo/1");
  sock.end();
});

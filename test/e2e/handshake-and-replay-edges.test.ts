/**
 * Edge cases through dist/proxy: WebSocket handshakes a client abandons or offers badly,
 * the keep-alive replay of non-idempotent requests, Transfer-Encodings other than chunked, and
 * a Content-Type the proxy must not invent.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { echoUpstream, startProxy, type RunningProxy } from "./harness.ts";
import { rawRequest, trackedRawUpstream } from "./raw.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const rawUpstream = trackedRawUpstream(cleanups);

const LISTENER = { port: 0, host: "127.0.0.1" };
const HANDSHAKE = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

async function proxy(config: object): Promise<RunningProxy> {
  const p = await startProxy({ listeners: [LISTENER], ...config });
  cleanups.push(() => p.stop());
  return p;
}

describe("WebSocket handshakes", () => {
  test("a client hanging up mid-handshake: 499 logged, the member is not ejected, nothing is retried", async () => {
    const reached = Promise.withResolvers<void>();
    // Both members read the handshake and never answer it.
    const a = rawUpstream(() => reached.resolve());
    const b = rawUpstream(() => reached.resolve());
    const p = await proxy({
      pools: { app: { members: [{ url: a.url }, { url: b.url }], retries: 1, health: { passive: { maxFails: 1 } } } },
      routes: [{ path: "/", pool: "app" }],
    });
    const u = new URL(p.url);
    const sock = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: { data() {} } });
    sock.write(`GET /ws HTTP/1.1\r\nHost: a\r\n${HANDSHAKE}\r\n`);
    await reached.promise;
    sock.end();
    // The 499 line is written once the exchange is over: a retry would have happened before it.
    await p.waitFor(/"GET \/ws HTTP\/1\.1" 499 /);
    expect(a.heads.length + b.heads.length).toBe(1);
    expect(p.stderr()).not.toContain("ejected");
    expect(p.stderr()).not.toContain("retrying");
  });

  test("an invalid Sec-WebSocket-Protocol is answered 400 and leaks no in-flight count (bybusyness)", async () => {
    const a = echoUpstream("a"), b = echoUpstream("b");
    cleanups.push(() => a.stop(), () => b.stop());
    const p = await proxy({
      pools: { app: { method: "bybusyness", members: [{ url: a.url }, { url: b.url }] } },
      routes: [{ path: "/", pool: "app" }],
    });
    for (const offer of ["a, a", "a b", "\x7f", "chat, Chat"]) {
      const res = await rawRequest(p.url, `GET /ws HTTP/1.1\r\nHost: a\r\n${HANDSHAKE}Sec-WebSocket-Protocol: ${offer}\r\nConnection: close\r\n\r\n`);
      expect(res.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
    }
    expect(a.seen.length + b.seen.length).toBe(0);
    // With a leaked in-flight count one member would look busy forever and get nothing.
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push(((await (await fetch(`${p.url}/fast`)).json()) as { name: string }).name);
    expect(names.filter((n) => n === "a").length).toBe(3);
    expect(names.filter((n) => n === "b").length).toBe(3);
  });
});

describe("upstream responses", () => {
  test("a bodyless POST whose pooled connection closes unanswered reaches the upstream once", async () => {
    const up = rawUpstream((s, head) => {
      if (head.startsWith("POST /charge")) s.terminate(); // acted on it, then died before answering
      else s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const p = await proxy({
      pools: { app: { members: [{ url: up.url }], health: { passive: { maxFails: 100 } } } },
      routes: [{ path: "/", pool: "app" }],
    });
    // A POST with a body framing header takes the full spine (not the fast lane), as /charge
    // does, so both use the spine's upstream pool: this leaves a pooled connection there.
    expect(await (await fetch(`${p.url}/warm`, { method: "POST", headers: { "content-length": "0" } })).text()).toBe("ok");
    const res = await fetch(`${p.url}/charge`, { method: "POST", headers: { "content-length": "0" } });
    expect(res.status).toBe(502);
    expect(up.heads.filter((h) => h.startsWith("POST /charge")).length).toBe(1);
    expect(up.accepted()).toBe(1);
  });

  test("a Transfer-Encoding other than chunked is a bad gateway, not coded bytes sent as identity", async () => {
    const up = rawUpstream((s, head) => {
      if (head.includes("/gzip-chunked")) s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
      else { s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabcdef"); s.end(); }
    });
    const p = await proxy({
      pools: { app: { members: [{ url: up.url }], health: { passive: { maxFails: 100 } } } },
      routes: [{ path: "/", pool: "app" }],
    });
    for (const path of ["/gzip", "/gzip-chunked"]) {
      const res = await fetch(p.url + path);
      expect(res.status).toBe(502);
      await res.arrayBuffer();
    }
  });

  test("no Content-Type is invented for a body the upstream sent without one", async () => {
    const up = rawUpstream((s, head) => {
      if (head.includes("/typed")) s.write("HTTP/1.1 200 OK\r\nContent-Type: text/x-up\r\nContent-Length: 5\r\n\r\nhello");
      else if (head.includes("/chunked")) s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      else s.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    });
    const p = await proxy({ pools: { app: { members: [{ url: up.url }] } }, routes: [{ path: "/", pool: "app" }] });
    for (const path of ["/plain", "/chunked"]) {
      const res = await rawRequest(p.url, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      expect(res.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
      expect(res.toLowerCase()).not.toContain("content-type");
      expect(res.endsWith("hello") || res.includes("\r\n5\r\nhello\r\n")).toBe(true);
    }
    const typed = await rawRequest(p.url, "GET /typed HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(typed.toLowerCase().match(/content-type: [^\r]*/g)).toEqual(["content-type: text/x-up"]);
  });
});

/**
 * The one engine with what used to need a second request path: bodies too large to hold
 * stream to the member as they arrive, HTTP/1.0 clients, absolute-form targets, 100-continue
 * and the body deadline, against a raw member that records what it receives.
 */
import { afterEach, expect, test } from "bun:test";
import { startProxy, type RunningProxy } from "./harness.ts";
import { rawRequest, recordingUpstream } from "./raw.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function proxy(url: string, extra: object = {}, route: object = {}): Promise<RunningProxy> {
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { app: { members: [{ url }] } },
    routes: [{ path: "/", pool: "app", ...route }],
    ...extra,
  });
  cleanups.push(() => p.stop());
  return p;
}

const statusOf = (res: string) => res.slice(9, 12);
const KIB200 = "b".repeat(200 * 1024);

test("a 200 KiB body streams to the member with its Content-Length; the pipelined request after it is answered too", async () => {
  const up = recordingUpstream(cleanups);
  const p = await proxy(up.url);
  const res = await rawRequest(p.url, `POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: ${KIB200.length}\r\n\r\n${KIB200}GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
  expect(up.requests.map((r) => [r.line, r.body.length])).toEqual([["POST /up HTTP/1.1", KIB200.length], ["GET /next HTTP/1.1", 0]]);
  expect(res.split("HTTP/1.1 200 ").length - 1).toBe(2);
  expect(res).toContain(`POST /up HTTP/1.1 body=${KIB200.length}`);
});

test("a chunked 200 KiB body streams with its framing, as the client sent it", async () => {
  const up = recordingUpstream(cleanups);
  const p = await proxy(up.url);
  const chunks = `${(100 * 1024).toString(16)}\r\n${KIB200.slice(0, 100 * 1024)}\r\n${(100 * 1024).toString(16)};ext=1\r\n${KIB200.slice(100 * 1024)}\r\n0\r\n\r\n`;
  const res = await rawRequest(p.url, `PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks}`);
  expect(statusOf(res)).toBe("200");
  expect(up.requests.map((r) => [r.line, r.body.length])).toEqual([["PUT /c HTTP/1.1", KIB200.length]]);
  expect(up.requests[0]!.head).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
});

test("a chunked body that passes maxBodySize mid-stream is 413 and the connection closed", async () => {
  const up = recordingUpstream(cleanups);
  const p = await proxy(up.url, {}, { maxBodySize: "100KB" });
  const big = `${(150 * 1024).toString(16)}\r\n${KIB200.slice(0, 150 * 1024)}\r\n0\r\n\r\n`;
  const res = await rawRequest(p.url, `POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${big}`);
  expect(statusOf(res)).toBe("413");
  expect(res).toContain("connection: close");
  expect(up.requests.length).toBe(0); // the member never got a complete request
});

test("Expect: 100-continue on a streamed body: the proxy answers 100, then the member's answer follows the body", async () => {
  const up = recordingUpstream(cleanups);
  const p = await proxy(up.url);
  const u = new URL(p.url);
  const res = await new Promise<string>((resolve) => {
    let buf = "";
    let sent = false;
    void Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: {
      open(s) { s.write(`POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: ${KIB200.length}\r\nConnection: close\r\n\r\n`); },
      data(s, d) {
        buf += d.toString("latin1");
        if (!sent && buf.includes("\r\n\r\n")) {
          sent = true;
          s.write(KIB200);
        }
      },
      close() { resolve(buf); },
    } });
  });
  expect(res).toStartWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ");
  expect(up.requests[0]!.head).not.toMatch(/expect/i);
  expect(up.requests[0]!.body.length).toBe(KIB200.length);
});

test("an HTTP/1.0 client is served: the member gets HTTP/1.0 (so no chunked answer), the client its answer and a close, the log HTTP/1.0", async () => {
  const up = recordingUpstream(cleanups);
  const p = await proxy(up.url);
  const res = await rawRequest(p.url, "GET /old HTTP/1.0\r\nHost: a\r\n\r\n");
  expect(statusOf(res)).toBe("200");
  expect(res).toContain("GET /old HTTP/1.0 body=0");
  expect(up.requests.map((r) => r.line)).toEqual(["GET /old HTTP/1.0"]);
  // The access line names the protocol the client used, as NGINX's $request does.
  await p.waitFor('"GET /old HTTP/1.0" 200');
});

test("an HTTP/1.0 request without Host (a load balancer's health check) is served by a host-less route; the member gets its own Host", async () => {
  const up = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { app: { members: [{ url: up.url }] } },
    routes: [{ host: "app.test", path: "/", respond: { status: 200, body: "named host" } }, { path: "/", pool: "app", preserveHost: true }],
  });
  cleanups.push(() => p.stop());
  const res = await rawRequest(p.url, "GET /health HTTP/1.0\r\n\r\n");
  expect(statusOf(res)).toBe("200");
  expect(res).toContain("GET /health HTTP/1.0 body=0");
  const head = up.requests[0]!.head.toLowerCase();
  expect(head).toContain(`\r\nhost: ${new URL(up.url).host}\r\n`);
  expect(head).not.toContain("x-forwarded-host");
  // HTTP/1.1 still needs one (RFC 9112 3.2).
  expect(statusOf(await rawRequest(p.url, "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"))).toBe("400");
});

test("an HTTP/1.0 client that asks for keep-alive keeps its connection (ApacheBench -k), and is closed after the proxy's own answers", async () => {
  const up = recordingUpstream(cleanups);
  const p = await proxy(up.url, {}, { path: "/app/" });
  const ab = Bun.spawn(["ab", "-k", "-n", "60", "-c", "3", `${p.url}/app/x`], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(ab.stdout).text(), ab.exited]);
  expect(code).toBe(0);
  expect(out).toMatch(/Complete requests:\s+60\n/);
  expect(out).toMatch(/Failed requests:\s+0\n/);
  expect(out).toMatch(/Keep-Alive requests:\s+60\n/);
  // A 404 (no route) says connection: close and closes, so the client does not wait for more.
  const local = await rawRequest(p.url, "GET /nowhere HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
  expect(statusOf(local)).toBe("404");
  expect(local.toLowerCase()).toContain("connection: close\r\n");
});

test("an absolute-form target is routed by its authority and reaches the member in origin-form (RFC 9112 3.2.2)", async () => {
  const up = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { app: { members: [{ url: up.url }] } },
    routes: [{ host: "a.example", path: "/", pool: "app" }],
  });
  cleanups.push(() => p.stop());
  const res = await rawRequest(p.url, "GET http://a.example/abs?x=1 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n");
  expect(statusOf(res)).toBe("200");
  expect(up.requests.map((r) => r.line)).toEqual(["GET /abs?x=1 HTTP/1.1"]);
  expect(up.requests[0]!.head).toMatch(/\r\nhost: a\.example\r\n/i);
  expect(up.requests[0]!.head).not.toContain("other.example\r\n");
  // RFC 9112 3.2: an HTTP/1.1 request without Host is 400 whatever its target's form (NGINX too).
  const noHost = await rawRequest(p.url, "GET http://a.example/abs HTTP/1.1\r\nConnection: close\r\n\r\n");
  expect(statusOf(noHost)).toBe("400");
  expect(up.requests).toHaveLength(1);
});

test("a streamed body that stalls gets 408 at clientTimeouts.body, and the member is not counted as failing", async () => {
  const up = recordingUpstream(cleanups);
  const p = await proxy(up.url, { clientTimeouts: { body: "500ms" } });
  const res = await rawRequest(p.url, `POST /stall HTTP/1.1\r\nHost: a\r\nContent-Length: ${KIB200.length}\r\n\r\n${KIB200.slice(0, 80 * 1024)}`);
  expect(statusOf(res)).toBe("408");
  expect(res).toContain("the request body stalled");
  expect(p.stderr()).not.toContain("ejected");
  expect((await fetch(`${p.url}/after`)).status).toBe(200);
});

test("an empty line after a POST body is skipped (RFC 9112 2.2): the pipelined request after it is served; a run of them is 400", async () => {
  const up = recordingUpstream(cleanups);
  const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { app: { members: [{ url: up.url }] } }, routes: [{ path: "/", pool: "app" }] });
  cleanups.push(() => p.stop());
  const res = await rawRequest(p.url, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello\r\nGET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  expect(res.match(/HTTP\/1\.1 \d{3} /g)).toEqual(["HTTP/1.1 200 ", "HTTP/1.1 200 "]);
  expect(up.requests.map((r) => [r.line, r.body])).toEqual([["POST /a HTTP/1.1", "hello"], ["GET /next HTTP/1.1", ""]]);
  const drip = await rawRequest(p.url, "\r\n".repeat(9) + "GET /late HTTP/1.1\r\nHost: a\r\n\r\n");
  expect(statusOf(drip)).toBe("400");
  expect(up.requests).toHaveLength(2);
});

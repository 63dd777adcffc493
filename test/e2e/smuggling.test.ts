/**
 * Request smuggling and strict parsing, end to end: a raw upstream records every request it
 * frames (RFC 9112 6.3), so anything the proxy let through as a request of its own shows up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, tempDir, type RunningProxy } from "./harness.ts";
import { binaryCerts } from "./tls-harness.ts";
import { rawRequest, recordingUpstream } from "./raw.ts";

const cleanups: (() => unknown)[] = [];
const up = recordingUpstream(cleanups);
let p: RunningProxy;

beforeAll(async () => {
  p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { u: { members: [{ url: up.url }] } },
    routes: [
      { path: "/", pool: "u" },
      { path: "/admin", respond: { status: 403, body: "no" } },
      { path: "/files", pool: "u", allowEncodedSlashes: true },
    ],
    accessLog: { path: "/dev/null" },
  });
});
afterAll(async () => {
  await p.stop();
  for (const c of cleanups) await c();
});

const HIDDEN = "GET /admin/secret HTTP/1.1\r\nHost: a\r\n\r\n";
const status = (res: string) => /^HTTP\/1\.1 (\d{3})/.exec(res)?.[1];
const lines = () => up.requests.map((r) => r.line);

const REFUSED: [string, string][] = [
  ["Content-Length with Transfer-Encoding", `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ["Transfer-Encoding with Content-Length", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ["two equal Content-Length lines", `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n${HIDDEN}`],
  ["two different Content-Lengths", `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n${HIDDEN}`],
  ["a Content-Length list", `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 0\r\n\r\n${HIDDEN}`],
  ["Transfer-Encoding: chunked, identity", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ["Transfer-Encoding not ending in chunked", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n${HIDDEN}`],
  ["an obfuscated Transfer-Encoding", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n${HIDDEN}`],
  ["obs-fold", `GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n`],
  ["a bare LF in the head", `GET / HTTP/1.1\nHost: a\r\n\r\n`],
  ["a bare LF ending a field line", `GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\n\r\n`],
  ["two spaces in the request line", `GET  / HTTP/1.1\r\nHost: a\r\n\r\n`],
  ["a tab in the request line", `GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n`],
  ["a lower-case protocol name", `GET / http/1.1\r\nHost: a\r\n\r\n`],
  ["a DEL in a field value", `GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x7fb\r\n\r\n`],
  ["a control byte in a field value", `GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n`],
  ["a bad chunk size", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n${HIDDEN}`],
  ["a chunk size with a sign", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nab\r\n0\r\n\r\n${HIDDEN}`],
];

// Bytes a lenient member reads otherwise: 0xA0 is whitespace to String.trim() (and to some
// members' number parsers), `5 0` is 0x50 to a parser that skips the space.
REFUSED.push(
  ["a no-break space (0xA0) before a Content-Length", `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xa05\r\n\r\nhello${HIDDEN}`],
  ["a no-break space (0xA0) after a Content-Length", `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\xa0\r\n\r\n${HIDDEN}`],
  ["a no-break space (0xA0) after chunked", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\xa0\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ["a chunk size with a second number after a space", `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 0\r\nhello\r\n0\r\n\r\n${HIDDEN}`],
);

describe("framing attacks are refused with 400 and nothing reaches the member", () => {
  for (const [name, bytes] of REFUSED) {
    test(name, async () => {
      const before = up.requests.length;
      const res = await rawRequest(p.url, Buffer.from(bytes, "latin1"));
      expect(status(res)).toBe("400");
      expect(res.toLowerCase()).toContain("connection: close");
      expect(lines().slice(before).filter((l) => l.includes("/admin"))).toEqual([]);
      // A chunk error is found after the head went out: the member may have seen the start,
      // never a request of its own.
      if (!/^a (bad )?chunk/.test(name)) expect(up.requests.length).toBe(before);
    });
  }
});

describe("a chunked body reaches the member framed one way", () => {
  for (const te of [",chunked", "\tchunked", "CHUNKED", "chunked , "]) {
    test(`Transfer-Encoding: ${JSON.stringify(te)} arrives as \`Transfer-Encoding: chunked\`, its body as the body`, async () => {
      const before = up.requests.length;
      const res = await rawRequest(p.url, `POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:${te.startsWith("\t") ? "" : " "}${te}\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n${HIDDEN}`);
      const seen = up.requests.slice(before);
      expect(status(res)).toBe("200");
      expect(seen.map((r) => r.line)).toEqual(["POST /te HTTP/1.1"]);
      expect(seen[0]!.head).toContain("\r\nTransfer-Encoding: chunked\r\n");
      expect(seen[0]!.head.toLowerCase().match(/transfer-encoding/g)).toHaveLength(1);
      expect(seen[0]!.body).toBe("hello");
    });
  }

  test("a transfer coding other than chunked under it is 501, as NGINX answers, and reaches no member", async () => {
    const before = up.requests.length;
    const res = await rawRequest(p.url, `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n${HIDDEN}`);
    expect(status(res)).toBe("501");
    expect(up.requests.length).toBe(before);
  });

  test("a trailer that is no field line is 400; field-line trailers are dropped, as NGINX drops them: none reaches the member", async () => {
    for (const trailer of ["GET /admin/secret HTTP/1.1\r\nContent-Length: 99", "no-colon", "X A: 1"]) {
      const before = up.requests.length;
      const res = await rawRequest(p.url, `POST /tr HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n${trailer}\r\n\r\n`);
      expect([trailer, status(res)]).toEqual([trailer, "400"]);
      expect(up.requests.length).toBe(before);
    }
    // Held (small) and streamed (over 64 KiB, the trailers in a read of their own) bodies alike.
    const big = "x".repeat(70_000);
    for (const data of ["hello", big]) {
      const before = up.requests.length;
      const trailers = "X-User: admin\r\nContent-Length: 99\r\nHost: admin\r\n\r\n";
      const res = await rawRequest(p.url, `POST /tr HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${data.length.toString(16)}\r\n${data}\r\n0\r\n${trailers}`);
      expect(status(res)).toBe("200");
      const seen = up.requests.slice(before);
      expect(seen.map((r) => r.body.length)).toEqual([data.length]);
      expect(seen[0]!.framed.endsWith(`${data}\r\n0\r\n\r\n`)).toBe(true);
      expect(seen[0]!.framed).not.toContain("X-User");
    }
  });
});

describe("bodies on any method are forwarded with their framing, never dropped", () => {
  test("a GET with a Content-Length body: the member reads the body as the body", async () => {
    const before = up.requests.length;
    const res = await rawRequest(p.url, `GET /b HTTP/1.1\r\nHost: a\r\nContent-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    const seen = up.requests.slice(before);
    expect(seen.map((r) => r.line)).toEqual(["GET /b HTTP/1.1", "GET /c HTTP/1.1"]);
    expect(seen[0]!.body).toBe(HIDDEN);
    expect(res).toContain(`GET /b HTTP/1.1 body=${HIDDEN.length}`);
    expect(res).not.toContain("/admin/secret");
  });

  test("a GET with a chunked body keeps its body", async () => {
    const before = up.requests.length;
    const chunk = HIDDEN.length.toString(16);
    const res = await rawRequest(p.url, `GET /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}\r\n${HIDDEN}\r\n0\r\n\r\n`);
    const seen = up.requests.slice(before);
    expect(seen.map((r) => r.line)).toEqual(["GET /b HTTP/1.1"]);
    expect(seen[0]!.body).toBe(HIDDEN);
    expect(res).toContain(`body=${HIDDEN.length}`);
  });

  test("a HEAD with a Content-Length body: no request hides in it", async () => {
    const before = up.requests.length;
    await rawRequest(p.url, `HEAD /h HTTP/1.1\r\nHost: a\r\nContent-Length: ${HIDDEN.length}\r\nConnection: close\r\n\r\n${HIDDEN}`);
    const seen = up.requests.slice(before);
    expect(seen.map((r) => r.line)).toEqual(["HEAD /h HTTP/1.1"]);
    expect(seen[0]!.body).toBe(HIDDEN);
  });

  test("a second request hidden in a POST body stays body", async () => {
    const before = up.requests.length;
    await rawRequest(p.url, `POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: ${HIDDEN.length}\r\nConnection: close\r\n\r\n${HIDDEN}`);
    const seen = up.requests.slice(before);
    expect(seen.map((r) => r.line)).toEqual(["POST /p HTTP/1.1"]);
    expect(seen[0]!.body).toBe(HIDDEN);
  });
});

describe("fields a member could mistake for the proxy's own", () => {
  test("underscored spellings of X-Forwarded-* and X-Real-IP are dropped; other underscored names pass", async () => {
    const before = up.requests.length;
    await rawRequest(p.url, "GET /u HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 6.6.6.6\r\nx_real_ip: 6.6.6.6\r\nX_Forwarded_Proto: https\r\nMy_Header: kept\r\nConnection: close\r\n\r\n");
    const head = up.requests[before]!.head;
    expect(head).not.toMatch(/x_forwarded|x_real_ip/i);
    expect(head).toContain("My_Header: kept");
    expect(head).toMatch(/x-forwarded-for: 127\.0\.0\.1/i);
  });

  test("the same drop applies to a request that leaves the fast lane (a body)", async () => {
    const before = up.requests.length;
    // A body over 64 KiB takes the request past the lane, through the gate to the spine.
    const body = "b".repeat(70_000);
    await rawRequest(p.url, `POST /u HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 6.6.6.6\r\nContent_Length: 99\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    const r = up.requests[before]!;
    expect(r.line).toBe("POST /u HTTP/1.1");
    expect(r.head).not.toMatch(/x_forwarded|content_length/i);
    expect(r.body).toBe(body);
  });
});

describe("encoded slashes", () => {
  for (const enc of ["%2F", "%2f", "%5C", "%5c"]) {
    test(`${enc} in a path answers 404 and reaches no member`, async () => {
      const before = up.requests.length;
      const res = await fetch(`${p.url}/admin/..${enc}panel`);
      expect(res.status).toBe(404);
      expect(up.requests.length).toBe(before);
    });
  }

  test("a route with allowEncodedSlashes gets them neither decoded for matching nor changed upstream", async () => {
    const before = up.requests.length;
    const res = await fetch(`${p.url}/files/a%2Fb%5cc`);
    expect(res.status).toBe(200);
    expect(up.requests[before]!.line).toBe("GET /files/a%2Fb%5cc HTTP/1.1");
  });
});

describe("over a TLS listener (the same engine under node:tls)", () => {
  let front: RunningProxy;
  beforeAll(async () => {
    const dir = tempDir();
    await binaryCerts(dir, "app.example.com", "app.example.com");
    const config = {
      listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "app.example.com.crt", key: "app.example.com.key" }] } }],
      pools: { u: { members: [{ url: up.url }] } },
      routes: [{ path: "/", pool: "u" }],
      accessLog: { path: "/dev/null" },
    };
    front = await startProxy(config, { dir });
  });
  afterAll(async () => { await front.stop(); });

  test("a GET with a Content-Length body reaches the member with its body, never without it", async () => {
    const before = up.requests.length;
    const res = await tlsRequest(`GET /b HTTP/1.1\r\nHost: a\r\nContent-Length: ${HIDDEN.length}\r\nConnection: close\r\n\r\n${HIDDEN}`, front);
    expect(up.requests.slice(before).map((r) => [r.line, r.body])).toEqual([["GET /b HTTP/1.1", HIDDEN]]);
    expect(status(res)).toBe("200");
  });

  function tlsRequest(text: string, via: RunningProxy = front): Promise<string> {
    const u = new URL(via.url);
    return new Promise((resolve) => {
      let buf = "";
      void Bun.connect({ hostname: "127.0.0.1", port: Number(u.port), tls: { rejectUnauthorized: false, serverName: "app.example.com" }, socket: {
        open(s) { s.write(text); },
        data(_s, d) { buf += d.toString("latin1"); },
        close() { resolve(buf); },
      } });
    });
  }

  test("underscored spellings of X-Forwarded-* are dropped", async () => {
    const before = up.requests.length;
    await tlsRequest("GET /u HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 6.6.6.6\r\nConnection: close\r\n\r\n");
    expect(up.requests[before]!.head).not.toMatch(/x_forwarded/i);
  });

  test("an encoded slash answers 404", async () => {
    const res = await tlsRequest("GET /a%2fb HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(status(res)).toBe("404");
  });
});

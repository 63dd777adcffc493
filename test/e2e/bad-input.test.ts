import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { echoUpstream, startProxy, type RunningProxy } from "./harness.ts";

/** Writes raw bytes, returns whatever comes back before the server closes (or 2 s of silence). */
function raw(url: string, bytes: string, halfClose = true): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let out = "";
    // Half-closing makes Bun answer malformed input at once; a valid request must not half-close,
    // or Bun treats the client as gone before the upstream answers.
    const c = connect(Number(u.port), u.hostname, () => (halfClose ? c.end(bytes) : c.write(bytes)));
    c.setTimeout(2000, () => c.destroy());
    c.on("data", (d) => (out += d.toString("latin1")));
    c.on("close", () => resolve(out));
    c.on("error", () => resolve(out));
  });
}

const CASES: [string, string][] = [
  ["CL and TE together (smuggling)", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
  ["two different Content-Lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"],
  ["bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"],
  ["obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n"],
  ["space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"],
  ["header too large", `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(70_000)}\r\n\r\n`],
  ["garbage", "\x00\x01\x02 not http at all\r\n\r\n"],
  ["HTTP/2 preface on HTTP/1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
  ["Host with a comma", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"],
  ["CONNECT tunnel request", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"],
  ["NUL in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n"],
  ["invalid Connection token", "GET / HTTP/1.1\r\nHost: a\r\nConnection: bad token, x\r\n\r\n"],
];

describe("bad requests get a 4xx or a closed connection, never a crash", () => {
  const up = echoUpstream("u");
  let p: RunningProxy;
  beforeAll(async () => {
    p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: up.url }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { path: "/dev/null" } });
  });
  afterAll(async () => { await p.stop(); up.stop(); });

  for (const [name, bytes] of CASES) {
    test(name, async () => {
      const res = await raw(p.url, bytes);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(res)?.[1];
      // Either a client error, or (for what cannot be answered as HTTP at all) no answer.
      if (status !== undefined) expect(Number(status) >= 400 && Number(status) < 500 || name === "invalid Connection token" || name === "CONNECT tunnel request").toBe(true);
      const ok = await fetch(p.url + "/still-alive");
      expect(ok.status).toBe(200);
      expect(p.proc.exitCode).toBeNull();
    });
  }

  test("a % without two hex digits in the path is a 400 that never reaches the member, as NGINX and Apache answer", async () => {
    const before = up.seen.length;
    for (const path of ["/a%zz", "/a%4", "/a%"]) {
      const res = await raw(p.url, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`, false);
      expect(res).toStartWith("HTTP/1.1 400");
      expect(res).toContain("invalid request path");
    }
    expect(up.seen.length).toBe(before);
    expect((await fetch(p.url + "/a%41?q=%zz")).status).toBe(200); // a valid escape; the query is not the path
    expect(up.seen.at(-1)!.url).toBe("/a%41?q=%zz");
  });

  test("an invalid Connection token is ignored, not a crash: the request is served", async () => {
    const res = await raw(p.url, "GET /t HTTP/1.1\r\nHost: a\r\nConnection: bad token, close\r\n\r\n", false);
    expect(res).toStartWith("HTTP/1.1 200");
  });
});

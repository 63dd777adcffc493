import { describe, expect, test } from "bun:test";
import { BadHead } from "../../src/front/request-check.ts";
import { headEnd, MAX_HEAD, readFastHead } from "../../src/front/request-head.ts";

/** A request head from its lines: request line, field lines, then the empty line (CRLF everywhere). */
const head = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join("") + "\r\n";
const bytes = (text: string): Buffer => Buffer.from(text, "latin1");

/** The same plain GET with one extra field line: isolates the line under test. */
const withLine = (line: string): string => head("GET /p HTTP/1.1", "Host: example.com", line, "Accept: */*");

describe("readFastHead: the plain GET is accepted", () => {
  test("method, target, path, query and Host are read from a minimal GET", () => {
    const h = readFastHead(head("GET /a/b?x=1&y=2 HTTP/1.1", "Host: example.com"));
    expect(h).toBeDefined();
    expect(h!.method).toBe("GET");
    expect(h!.target).toBe("/a/b?x=1&y=2");
    expect(h!.rawPath).toBe("/a/b");
    expect(h!.query).toBe("?x=1&y=2"); // the query keeps its "?" so path + query is the target again
    expect(h!.hostHeader).toBe("example.com");
    expect(h!.hostName).toBe("example.com");
    expect(h!.beforeHost).toBe("");
    expect(h!.afterHost).toBe("");
    expect(h!.userAgent).toBeNull();
    expect(h!.referer).toBeNull();
    expect(h!.xForwardedFor).toBeNull();
    expect(h!.trustedOnly).toBe("");
    expect(h!.close).toBe(false);
  });

  test("a target without a query has an empty query; a bare '?' is kept as the query", () => {
    expect(readFastHead(head("GET /x HTTP/1.1", "Host: h"))).toMatchObject({ rawPath: "/x", query: "" });
    expect(readFastHead(head("GET /x? HTTP/1.1", "Host: h"))).toMatchObject({ rawPath: "/x", query: "?" });
    // Percent-encoding is the spine's business (normalize.ts): the raw path is as received.
    expect(readFastHead(head("GET /a/%2e%2e/b HTTP/1.1", "Host: h"))).toMatchObject({ rawPath: "/a/%2e%2e/b" });
  });

  test("hostName is lower-cased without the port; hostHeader keeps the value as sent", () => {
    expect(readFastHead(head("GET / HTTP/1.1", "Host: WWW.Example.COM:8443"))).toMatchObject({
      hostHeader: "WWW.Example.COM:8443",
      hostName: "www.example.com",
    });
    expect(readFastHead(head("GET / HTTP/1.1", "Host: [::1]:8080"))).toMatchObject({ hostName: "[::1]" });
    expect(readFastHead(head("GET / HTTP/1.1", "Host: example.com."))).toMatchObject({ hostName: "example.com" });
  });

  test("the Host field name is case-insensitive and its value loses the optional whitespace (RFC 9110 5.5)", () => {
    expect(readFastHead(head("GET / HTTP/1.1", "hOST: \t a.example \t"))).toMatchObject({ hostHeader: "a.example", hostName: "a.example" });
    expect(readFastHead(head("GET / HTTP/1.1", "Host:a.example"))).toMatchObject({ hostHeader: "a.example" });
  });

  test("other methods with an origin-form target go through; a 16-letter method is the longest", () => {
    for (const m of ["HEAD", "DELETE", "OPTIONS", "PROPFIND", "ABCDEFGHIJKLMNOP"]) {
      expect([m, readFastHead(head(`${m} /r HTTP/1.1`, "Host: h"))?.method]).toEqual([m, m]);
    }
  });

  test("beforeHost and afterHost keep the other lines byte for byte, in order, with their casing", () => {
    const h = readFastHead(
      head("GET / HTTP/1.1", "accept: text/html", "X-Custom:  spaced  value ", "Host: h", "COOKIE: a=1; b=2", "x-tab:\tv", "Accept-Language: en"),
    );
    expect(h!.beforeHost).toBe("accept: text/html\r\nX-Custom:  spaced  value \r\n");
    expect(h!.afterHost).toBe("COOKIE: a=1; b=2\r\nx-tab:\tv\r\nAccept-Language: en\r\n");
    // Together with a Host line they rebuild the original field block.
    expect(h!.beforeHost + "Host: h\r\n" + h!.afterHost).toBe(
      "accept: text/html\r\nX-Custom:  spaced  value \r\nHost: h\r\nCOOKIE: a=1; b=2\r\nx-tab:\tv\r\nAccept-Language: en\r\n",
    );
  });

  test("hop-by-hop fields are dropped (RFC 9110 7.6.1; NGINX and Apache do not forward them either)", () => {
    const h = readFastHead(
      head(
        "GET / HTTP/1.1",
        "Accept: */*",
        "Connection: keep-alive",
        "Keep-Alive: timeout=5",
        "TE: trailers",
        "Host: h",
        "Trailer: Expires",
        "Proxy-Connection: keep-alive",
        "Proxy-Authorization: Basic eA==",
        "Authorization: Bearer t",
        "proxy-authenticate: Basic",
        "X-Last: 1",
      ),
    );
    expect(h!.beforeHost).toBe("Accept: */*\r\n");
    expect(h!.afterHost).toBe("Authorization: Bearer t\r\nX-Last: 1\r\n");
  });

  test("X-Forwarded-* lines are taken out of the block and their values captured", () => {
    const h = readFastHead(
      head(
        "GET / HTTP/1.1",
        "X-Forwarded-For: 198.51.100.1",
        "Host: h",
        "x-forwarded-proto: https",
        "X-Forwarded-Host: front.example",
        "X-FORWARDED-PORT: 443",
        "Accept: */*",
      ),
    );
    expect(h!.xForwardedFor).toBe("198.51.100.1");
    expect(h!.xForwardedProto).toBe("https");
    expect(h!.xForwardedHost).toBe("front.example");
    expect(h!.xForwardedPort).toBe("443");
    expect(h!.beforeHost).toBe("");
    expect(h!.afterHost).toBe("Accept: */*\r\n");
  });

  test("repeated X-Forwarded-For lines are joined with ', ' in order (RFC 9110 5.3 field-line combination)", () => {
    const h = readFastHead(
      head("GET / HTTP/1.1", "Host: h", "X-Forwarded-For: 198.51.100.1", "Accept: */*", "X-Forwarded-For:  203.0.113.9, 10.0.0.1 "),
    );
    expect(h!.xForwardedFor).toBe("198.51.100.1, 203.0.113.9, 10.0.0.1");
    expect(h!.afterHost).toBe("Accept: */*\r\n");
  });

  test("Forwarded, X-Real-IP and every other X-Forwarded-* line go to trustedOnly verbatim and leave the forwarded block", () => {
    const h = readFastHead(
      head("GET / HTTP/1.1", "Forwarded: for=192.0.2.60;proto=http", "Host: h", "X-Real-IP: 192.0.2.61", "X-Forwarded-Prefix: /app", "x-FORWARDED-ssl: on", "X-Forwarded-: x", "Accept: */*"),
    );
    expect(h!.trustedOnly).toBe("Forwarded: for=192.0.2.60;proto=http\r\nX-Real-IP: 192.0.2.61\r\nX-Forwarded-Prefix: /app\r\nx-FORWARDED-ssl: on\r\n");
    expect(h!.beforeHost).toBe("");
    expect(h!.afterHost).toBe("X-Forwarded-: x\r\nAccept: */*\r\n");
  });

  test("User-Agent and Referer are captured (trimmed) and still forwarded", () => {
    const h = readFastHead(head("GET / HTTP/1.1", "user-agent:  curl/8.5.0 ", "Host: h", "Referer: https://a.example/p?q"));
    expect(h!.userAgent).toBe("curl/8.5.0");
    expect(h!.referer).toBe("https://a.example/p?q");
    expect(h!.beforeHost).toBe("user-agent:  curl/8.5.0 \r\n");
    expect(h!.afterHost).toBe("Referer: https://a.example/p?q\r\n");
  });

  test("Connection: close sets close (RFC 9112 9.6) and the line is not forwarded", () => {
    const h = readFastHead(head("GET / HTTP/1.1", "Host: h", "Connection: close", "Accept: */*"));
    expect(h!.close).toBe(true);
    expect(h!.afterHost).toBe("Accept: */*\r\n");
    expect(readFastHead(head("GET / HTTP/1.1", "Host: h", "connection: Keep-Alive, CLOSE"))!.close).toBe(true);
    expect(readFastHead(head("GET / HTTP/1.1", "Host: h", "Connection: keep-alive"))!.close).toBe(false);
  });
});

/** The answer a head gets: "ok", or the status its BadHead names ("400", "405", "417", "505"). */
function verdict(text: string): string {
  try {
    readFastHead(text);
    return "ok";
  } catch (e) {
    if (!(e instanceof BadHead)) throw e;
    return e.message.slice(0, 3);
  }
}

describe("readFastHead: what a strict member could read another way is refused (RFC 9112 3, 5, 6.3)", () => {
  test("the base head used below is itself accepted", () => {
    expect(verdict(withLine("X-Ok: 1"))).toBe("ok");
  });

  test("a Content-Length that is not digits, or a Transfer-Encoding that does not end in chunked", () => {
    for (const line of ["content-length: abc", "Content-Length: -1", "transfer-encoding: gzip", "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: chunked, chunked"]) {
      expect([line, verdict(withLine(line))]).toEqual([line, "400"]);
    }
  });

  test("two Authorization fields are 400 (the proxy would check one, the member might read the other); one is kept", () => {
    expect(verdict(withLine("Authorization: Bearer a\r\nauthorization: Bearer b"))).toBe("400");
    expect(readFastHead(withLine("Authorization: Bearer a")).authorization).toBe("Bearer a");
  });

  test("a body's framing is read (any casing) and its lines kept for the member", () => {
    expect(readFastHead(withLine("CONTENT-LENGTH: 5"))).toMatchObject({ bodyLength: 5, chunked: false });
    expect(readFastHead(withLine("Content-Length: 0"))).toMatchObject({ bodyLength: 0 });
    const sent = readFastHead(withLine("transfer-encoding: chunked"));
    expect(sent).toMatchObject({ bodyLength: -1, chunked: true });
    expect(sent.beforeHost + sent.afterHost).toContain("transfer-encoding: chunked\r\n");
  });

  test("a chunked Transfer-Encoding spelled any other way reaches the member as `Transfer-Encoding: chunked`, where it was", () => {
    for (const line of ["transfer-encoding: Chunked", "Transfer-Encoding: ,chunked", "Transfer-Encoding:\tchunked", "Transfer-Encoding: CHUNKED ", "Transfer-Encoding:chunked"]) {
      const h = readFastHead(withLine(`X-Before: 1\r\n${line}\r\nX-After: 2`));
      expect([line, h.chunked]).toEqual([line, true]);
      expect([line, h.beforeHost + h.afterHost]).toEqual([line, expect.stringContaining("x-before: 1\r\nTransfer-Encoding: chunked\r\nX-After: 2\r\n".replace("x-before", "X-Before"))]);
    }
  });

  test("another transfer coding under chunked is 501, as NGINX answers (RFC 9112 6.1)", () => {
    for (const line of ["Transfer-Encoding: gzip, chunked", "Transfer-Encoding: identity, chunked"]) {
      expect(() => readFastHead(withLine(line))).toThrow(expect.objectContaining({ kind: "not_implemented", message: expect.stringMatching(/^501 /) }));
    }
  });

  test("two Content-Length lines, or Content-Length with Transfer-Encoding", () => {
    expect(verdict(withLine("Content-Length: 1\r\nContent-Length: 1"))).toBe("400");
    expect(verdict(withLine("Content-Length: 1\r\nTransfer-Encoding: chunked"))).toBe("400");
    expect(verdict(withLine("Transfer-Encoding: chunked\r\nContent-Length: 1"))).toBe("400");
  });

  test("Expect: 100-continue is answered by the front and not forwarded; another expectation is 417", () => {
    const h = readFastHead(withLine("Expect: 100-Continue"));
    expect(h.expectContinue).toBe(true);
    expect(h.beforeHost + h.afterHost).not.toMatch(/expect/i);
    expect(verdict(withLine("Expect: something-else"))).toBe("417");
  });

  test("an HTTP/1.0 request's Expect is ignored (RFC 9110 10.1.1, 15.2): no 100 for it, no 417, and not forwarded", () => {
    const h = readFastHead("POST /u HTTP/1.0\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    expect(h.expectContinue).toBe(false);
    expect(h.beforeHost + h.afterHost).not.toMatch(/expect/i);
    expect(readFastHead("GET / HTTP/1.0\r\nHost: a\r\nExpect: something-else\r\n\r\n").expectContinue).toBe(false);
  });

  test("an h2c upgrade offer is ignored (RFC 9113 3.1): served as HTTP/1.1, Upgrade and HTTP2-Settings not forwarded", () => {
    const h = readFastHead(withLine("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__"));
    expect(h.upgrade).toBe(false);
    expect(h.beforeHost + h.afterHost).not.toMatch(/upgrade|http2-settings/i);
  });

  test("fields named by Connection are removed (RFC 9110 7.6.1), but never Host or the framing", () => {
    const h = readFastHead(head("GET / HTTP/1.1", "Host: h", "X-Secret: s", "Connection: close, X-Secret", "Content-Length: 0", "Connection: content-length, host"));
    expect(h.close).toBe(true);
    expect(h.beforeHost + h.afterHost).not.toContain("X-Secret");
    expect(h.beforeHost + h.afterHost).toContain("Content-Length: 0\r\n");
    expect(h.hostHeader).toBe("h");
  });

  test("Host missing, repeated, or invalid (RFC 9112 3.2: exactly one valid Host)", () => {
    const cases: [string, string][] = [
      ["missing", head("GET / HTTP/1.1", "Accept: */*")],
      ["two lines", head("GET / HTTP/1.1", "Host: a.example", "Accept: */*", "host: a.example")],
      ["empty", head("GET / HTTP/1.1", "Host: ")],
      ["space inside", head("GET / HTTP/1.1", "Host: a b")],
      ["list", head("GET / HTTP/1.1", "Host: a.example, b.example")],
      ["userinfo", head("GET / HTTP/1.1", "Host: user@a.example")],
      ["port > 65535", head("GET / HTTP/1.1", "Host: a.example:65536")],
      ["over 255 chars", head("GET / HTTP/1.1", `Host: ${"a".repeat(250)}.example`)],
    ];
    for (const [why, text] of cases) expect([why, verdict(text)]).toEqual([why, "400"]);
    expect(verdict(head("GET / HTTP/1.1", "Host: a.example:65535"))).toBe("ok");
    expect(verdict(head("GET / HTTP/1.1", `Host: ${"a".repeat(255)}`))).toBe("ok");
  });

  test("an HTTP/1.0 request without Host (or with an empty one) is read with no host, as NGINX serves it; an invalid one is still 400", () => {
    for (const text of [head("GET /health HTTP/1.0"), head("GET /health HTTP/1.0", "Host: ")]) {
      const h = readFastHead(text);
      expect([h.hostHeader, h.hostName, h.http10]).toEqual(["", "", true]);
    }
    expect(verdict(head("GET / HTTP/1.0", "Host: a b"))).toBe("400");
  });

  test("HTTP/1.0 is served and closed after its answer unless it asked for keep-alive (RFC 9112 9.3); HTTP/2.0 is 505; malformed versions 400", () => {
    const h = readFastHead(head("GET / HTTP/1.0", "Host: h", "Connection: keep-alive"));
    expect([h.http10, h.close, h.protocol]).toEqual([true, false, "HTTP/1.0"]);
    expect(readFastHead(head("GET / HTTP/1.0", "Host: h")).close).toBe(true);
    expect(readFastHead(head("GET / HTTP/1.0", "Host: h", "Connection: keep-alive", "Connection: close")).close).toBe(true);
    expect(readFastHead(head("GET / HTTP/1.2", "Host: h")).http10).toBe(false);
    expect(verdict(head("GET / HTTP/2.0", "Host: h"))).toBe("505");
    for (const line of ["GET / http/1.1", "GET / HTTP/1.1 ", "GET /", "GET / HTTP/1"]) expect([line, verdict(head(line, "Host: h"))]).toEqual([line, "400"]);
    expect(verdict(head("POST / HTTP/1.0", "Host: h", "Transfer-Encoding: chunked"))).toBe("400");
  });

  test("absolute-form is served with its authority as Host (RFC 9112 3.2.2); CONNECT is 405, * and malformed targets 400", () => {
    const h = readFastHead(head("GET http://b.example:8080/p?q=1 HTTP/1.1", "Host: a.example"));
    expect([h.hostHeader, h.hostName, h.target, h.rawPath, h.query]).toEqual(["b.example:8080", "b.example", "/p?q=1", "/p", "?q=1"]);
    expect(readFastHead(head("GET https://b.example?x HTTP/1.1", "Host: a.example")).target).toBe("/?x");
    // RFC 9112 3.2: an HTTP/1.1 request without Host is 400 whatever its target's form.
    expect(verdict(head("GET http://b.example/x HTTP/1.1"))).toBe("400");
    expect(readFastHead(head("GET http://b.example/x HTTP/1.0")).hostHeader).toBe("b.example");
    expect(verdict(head("CONNECT a.example:443 HTTP/1.1", "Host: a"))).toBe("405");
    expect(verdict(head("OPTIONS * HTTP/1.1", "Host: a"))).toBe("400");
    expect(verdict(head("GET  / HTTP/1.1", "Host: a"))).toBe("400");
  });

  test("any token is a method (case-sensitive, forwarded as sent); a non-token or over-long one is 400", () => {
    for (const m of ["get", "M-SEARCH", "PROPFIND"]) expect(readFastHead(head(`${m} /r HTTP/1.1`, "Host: h")).method).toBe(m);
    for (const line of [" / HTTP/1.1", `${"A".repeat(33)} / HTTP/1.1`, "GE(T / HTTP/1.1"]) expect([line, verdict(head(line, "Host: h"))]).toEqual([line, "400"]);
  });

  test("a target with a space, a control char or DEL is 400", () => {
    for (const target of ["/a b", "/a\tb", "/a\x00b", "/a\x7fb", "/a\x1bb"]) {
      expect([target, verdict(head(`GET ${target} HTTP/1.1`, "Host: h"))]).toEqual([target, "400"]);
    }
  });

  test("whitespace between a field name and the colon (RFC 9112 5.1: MUST be rejected)", () => {
    expect(verdict(withLine("X-A : 1"))).toBe("400");
    expect(verdict(withLine("X-A\t: 1"))).toBe("400");
    expect(verdict(head("GET / HTTP/1.1", "Host : h"))).toBe("400");
  });

  test("an obs-fold continuation line (RFC 9112 5.2)", () => {
    expect(verdict(head("GET / HTTP/1.1", "Host: h", "X-A: one", " two"))).toBe("400");
    expect(verdict(head("GET / HTTP/1.1", "Host: h", "X-A: one", "\ttwo: three"))).toBe("400");
  });

  test("a field value with a control char (NUL, bare CR, bare LF, ESC) or DEL", () => {
    for (const line of ["X-A: a\x00b", "X-A: a\rb", "X-A: a\nb", "X-A: a\x1bb", "X-A: a\x7fb"]) {
      expect([JSON.stringify(line), verdict(withLine(line))]).toEqual([JSON.stringify(line), "400"]);
    }
  });

  test("a field value with obs-text (bytes >= 0x80) is kept, and the head marked to go out as latin1 bytes", () => {
    const h = readFastHead(withLine("X-A: caf\xe9"));
    expect(h.latin1).toBe(true);
    expect(h.afterHost).toContain("X-A: caf\xe9\r\n");
    expect(readFastHead(withLine("X-A: cafe")).latin1).toBe(false);
  });

  test("a target with bytes >= 0x80 is kept as received, and the head marked to go out as latin1 bytes", () => {
    const h = readFastHead("GET /caf\xc3\xa9?q=\xff HTTP/1.1\r\nHost: a\r\n\r\n");
    expect([h.target, h.latin1]).toEqual(["/caf\xc3\xa9?q=\xff", true]);
    expect(readFastHead("GET /cafe HTTP/1.1\r\nHost: a\r\n\r\n").latin1).toBe(false);
  });

  test("a field line with an empty name, a non-token name, or no colon at all", () => {
    for (const line of [": v", "X(A): v", "X\xe9: v", "NoColonHere"]) {
      expect([line, verdict(withLine(line))]).toEqual([line, "400"]);
    }
  });

  test("a bare LF inside the request line", () => {
    expect(verdict("GET /x\nHost: evil HTTP/1.1\r\nHost: h\r\n\r\n")).toBe("400");
    expect(verdict("GET / HTTP/1.1\nHost: h\r\n\r\n")).toBe("400");
  });
});

describe("headEnd", () => {
  test("a complete head: the offset just past CRLFCRLF", () => {
    const text = head("GET / HTTP/1.1", "Host: h");
    expect(headEnd(bytes(text))).toBe(text.length);
    expect(headEnd(bytes("GET / HTTP/1.1\r\n\r\n"))).toBe(18);
  });

  test("pipelined bytes after the head are not counted, and the head parses on its own", () => {
    const first = head("GET /1 HTTP/1.1", "Host: h");
    const buf = bytes(first + head("GET /2 HTTP/1.1", "Host: h"));
    const end = headEnd(buf);
    expect(end).toBe(first.length);
    expect(readFastHead(buf.toString("latin1", 0, end))?.target).toBe("/1");
  });

  test("an incomplete head is -1", () => {
    for (const text of ["", "GET / HTTP/1.1", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: h\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r"]) {
      expect([text, headEnd(bytes(text))]).toEqual([text, -1]);
    }
  });

  test("a head ended by a bare LF is -2: refused, never read leniently (RFC 9112 2.2)", () => {
    expect(headEnd(bytes("GET / HTTP/1.1\nHost: h\n\n"))).toBe(-2);
    expect(headEnd(bytes("GET / HTTP/1.1\r\nHost: h\r\n\n"))).toBe(-2);
    expect(headEnd(bytes("\n\n"))).toBe(-2);
  });

  test("a bare LF earlier in the head does not hide the CRLFCRLF that ends it", () => {
    // -2 at once: a head with a bare LF is refused, so there is no need to find its end.
    const text = "GET / HTTP/1.1\r\nX-A: 1\nHost: h\r\n\r\n";
    expect(headEnd(bytes(text))).toBe(-2);
    expect(verdict(text)).toBe("400");
  });

  // A lenient parser (RFC 9112 2.2) ends this head; it must be refused, not waited on.
  test("a bare-LF field line followed by a CRLF empty line is a complete head, not -1", () => {
    expect(headEnd(bytes("GET / HTTP/1.1\r\nHost: h\n\r\n"))).not.toBe(-1);
  });

  test("MAX_HEAD is 32 KiB (NGINX large_client_header_buffers 4 8k)", () => {
    expect(MAX_HEAD).toBe(32768);
  });
});

describe("Upgrade requests", () => {
  const up = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n";
  test("an Upgrade named in Connection is an upgrade, its lines kept", () => {
    const h = readFastHead(withLine(`${up}Sec-WebSocket-Protocol: chat, chat.v2`))!;
    expect(h.upgrade).toBe(true);
    expect(h.beforeHost + h.afterHost).toContain("Upgrade: websocket\r\n");
    expect(h.beforeHost + h.afterHost).toContain("Sec-WebSocket-Protocol: chat, chat.v2\r\n");
  });
  test("an invalid subprotocol offer or an Upgrade with a body is 400", () => {
    for (const extra of [`${up}Sec-WebSocket-Protocol: a, A`, `${up}Sec-WebSocket-Protocol: a b`, `${up}Content-Length: 2`]) {
      expect([extra, verdict(withLine(extra))]).toEqual([extra, "400"]);
    }
  });
  test("an Upgrade not named in Connection is ignored and not forwarded (RFC 9110 7.8)", () => {
    const h = readFastHead(withLine("Upgrade: websocket"));
    expect(h.upgrade).toBe(false);
    expect(h.beforeHost + h.afterHost).not.toContain("Upgrade");
  });
});

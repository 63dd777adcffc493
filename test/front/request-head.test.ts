import { describe, expect, test } from "bun:test";
import { headEnd, MAX_FAST_HEAD, readFastHead } from "../../src/front/request-head.ts";

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

  test("Forwarded and X-Real-IP lines go to trustedOnly verbatim and leave the forwarded block", () => {
    const h = readFastHead(
      head("GET / HTTP/1.1", "Forwarded: for=192.0.2.60;proto=http", "Host: h", "X-Real-IP: 192.0.2.61", "Accept: */*"),
    );
    expect(h!.trustedOnly).toBe("Forwarded: for=192.0.2.60;proto=http\r\nX-Real-IP: 192.0.2.61\r\n");
    expect(h!.beforeHost).toBe("");
    expect(h!.afterHost).toBe("Accept: */*\r\n");
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

describe("readFastHead: everything unusual is left to the full spine", () => {
  test("the base head used below is itself accepted", () => {
    expect(readFastHead(withLine("X-Ok: 1"))).toBeDefined();
  });

  test("a Content-Length that is not digits, or a coding other than chunked", () => {
    for (const line of ["content-length: abc", "Content-Length: -1", "transfer-encoding: gzip", "Transfer-Encoding: chunked, gzip"]) {
      expect([line, readFastHead(withLine(line))]).toEqual([line, undefined]);
    }
  });

  test("a body's framing is read (any casing) and its lines kept for the member", () => {
    expect(readFastHead(withLine("CONTENT-LENGTH: 5"))).toMatchObject({ bodyLength: 5, chunked: false });
    expect(readFastHead(withLine("Content-Length: 0"))).toMatchObject({ bodyLength: 0 });
    const h = readFastHead(withLine("transfer-encoding: Chunked"))!;
    expect(h).toMatchObject({ bodyLength: -1, chunked: true });
    expect(h.beforeHost + h.afterHost).toContain("transfer-encoding: Chunked\r\n");
    expect(readFastHead(withLine("Content-Length: 1\r\nContent-Length: 1"))).toBeUndefined();
    expect(readFastHead(withLine("Content-Length: 1\r\nTransfer-Encoding: chunked"))).toBeUndefined();
  });

  test("Expect: 100-continue is the lane's (answered by the front, not forwarded)", () => {
    const h = readFastHead(withLine("Expect: 100-Continue"))!;
    expect(h.expectContinue).toBe(true);
    expect(h.beforeHost + h.afterHost).not.toMatch(/expect/i);
  });

  test("a protocol switch or another expectation: Upgrade, Expect, HTTP2-Settings", () => {
    for (const line of ["Upgrade: websocket", "Expect: something-else", "HTTP2-Settings: AAMAAABkAAQAAP__"]) {
      expect([line, readFastHead(withLine(line))]).toEqual([line, undefined]);
    }
  });

  test("Connection naming another field (RFC 9110 7.6.1: that field must be removed, the spine does it)", () => {
    expect(readFastHead(withLine("Connection: x-foo"))).toBeUndefined();
    expect(readFastHead(withLine("Connection: close, X-Secret"))).toBeUndefined();
  });

  test("Host missing, repeated, or invalid (RFC 9112 3.2: exactly one valid Host)", () => {
    const cases: [string, string][] = [
      ["missing", head("GET / HTTP/1.1", "Accept: */*")],
      ["two lines", head("GET / HTTP/1.1", "Host: a.example", "Accept: */*", "host: a.example")],
      ["empty", head("GET / HTTP/1.1", "Host: ")],
      ["space inside", head("GET / HTTP/1.1", "Host: a b")],
      ["space in a name", head("GET / HTTP/1.1", "Host: ex ample")],
      ["list", head("GET / HTTP/1.1", "Host: a.example, b.example")],
      ["userinfo", head("GET / HTTP/1.1", "Host: user@a.example")],
      ["port > 65535", head("GET / HTTP/1.1", "Host: a.example:65536")],
      ["over 255 chars", head("GET / HTTP/1.1", `Host: ${"a".repeat(250)}.example`)],
    ];
    for (const [why, text] of cases) expect([why, readFastHead(text)]).toEqual([why, undefined]);
    // The limits themselves are fine.
    expect(readFastHead(head("GET / HTTP/1.1", "Host: a.example:65535"))).toBeDefined();
    expect(readFastHead(head("GET / HTTP/1.1", `Host: ${"a".repeat(255)}`))).toBeDefined();
  });

  test("a version other than HTTP/1.1", () => {
    for (const line of ["GET / HTTP/1.0", "GET / HTTP/2.0", "GET / http/1.1", "GET / HTTP/1.1 ", "GET /"]) {
      expect([line, readFastHead(head(line, "Host: h"))]).toEqual([line, undefined]);
    }
  });

  test("absolute-form, authority-form and asterisk-form targets (RFC 9112 3.2.2-3.2.4)", () => {
    for (const line of ["GET http://a/ HTTP/1.1", "CONNECT a.example:443 HTTP/1.1", "OPTIONS * HTTP/1.1", "GET  / HTTP/1.1"]) {
      expect([line, readFastHead(head(line, "Host: a"))]).toEqual([line, undefined]);
    }
  });

  test("a lower-case, mixed-case, non-letter, empty or over-long (17 letters) method", () => {
    for (const line of ["get / HTTP/1.1", "Get / HTTP/1.1", "M-SEARCH / HTTP/1.1", " / HTTP/1.1", "ABCDEFGHIJKLMNOPQ / HTTP/1.1"]) {
      expect([line, readFastHead(head(line, "Host: h"))]).toEqual([line, undefined]);
    }
  });

  test("a target with a space, a control char, DEL or a byte >= 0x80", () => {
    for (const target of ["/a b", "/a\tb", "/a\x00b", "/a\x7fb", "/caf\xe9", "/a\x1bb"]) {
      expect([target, readFastHead(head(`GET ${target} HTTP/1.1`, "Host: h"))]).toEqual([target, undefined]);
    }
  });

  test("whitespace between a field name and the colon (RFC 9112 5.1: MUST be rejected)", () => {
    expect(readFastHead(withLine("X-A : 1"))).toBeUndefined();
    expect(readFastHead(withLine("X-A\t: 1"))).toBeUndefined();
    expect(readFastHead(head("GET / HTTP/1.1", "Host : h"))).toBeUndefined();
  });

  test("an obs-fold continuation line (RFC 9112 5.2)", () => {
    expect(readFastHead(head("GET / HTTP/1.1", "Host: h", "X-A: one", " two"))).toBeUndefined();
    expect(readFastHead(head("GET / HTTP/1.1", "Host: h", "X-A: one", "\ttwo: three"))).toBeUndefined();
  });

  test("a field value with a control char (NUL, bare CR, bare LF, ESC) or DEL", () => {
    for (const line of ["X-A: a\x00b", "X-A: a\rb", "X-A: a\nb", "X-A: a\x1bb", "X-A: a\x7fb"]) {
      expect([JSON.stringify(line), readFastHead(withLine(line))]).toEqual([JSON.stringify(line), undefined]);
    }
  });

  test("a field value with a byte >= 0x80 (obs-text)", () => {
    expect(readFastHead(withLine("X-A: caf\xe9"))).toBeUndefined();
    expect(readFastHead(withLine("X-A: \xff"))).toBeUndefined();
  });

  test("a field line with an empty name, a non-token name, or no colon at all", () => {
    for (const line of [": v", "X(A): v", "X\xe9: v", "NoColonHere"]) {
      expect([line, readFastHead(withLine(line))]).toEqual([line, undefined]);
    }
  });

  test("a bare LF inside the request line", () => {
    expect(readFastHead("GET /x\nHost: evil HTTP/1.1\r\nHost: h\r\n\r\n")).toBeUndefined();
    expect(readFastHead("GET / HTTP/1.1\nHost: h\r\n\r\n")).toBeUndefined();
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

  test("a head ended by a bare LF is -2: not the fast lane's (RFC 9112 2.2 leniency is the spine's)", () => {
    expect(headEnd(bytes("GET / HTTP/1.1\nHost: h\n\n"))).toBe(-2);
    expect(headEnd(bytes("GET / HTTP/1.1\r\nHost: h\r\n\n"))).toBe(-2);
    expect(headEnd(bytes("\n\n"))).toBe(-2);
  });

  test("a bare LF earlier in the head does not hide the CRLFCRLF that ends it", () => {
    // -2 at once: a head with a bare LF is never the lane's, so there is no need to find its end.
    const text = "GET / HTTP/1.1\r\nX-A: 1\nHost: h\r\n\r\n";
    expect(headEnd(bytes(text))).toBe(-2);
    expect(readFastHead(text)).toBeUndefined();
  });

  // A lenient parser (RFC 9112 2.2) ends this head; the lane must hand it to the spine, not wait.
  test("a bare-LF field line followed by a CRLF empty line is a complete head, not -1", () => {
    expect(headEnd(bytes("GET / HTTP/1.1\r\nHost: h\n\r\n"))).not.toBe(-1);
  });

  test("MAX_FAST_HEAD is 16 KiB", () => {
    expect(MAX_FAST_HEAD).toBe(16384);
  });
});

describe("Upgrade requests", () => {
  const up = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n";
  test("an Upgrade named in Connection is the lane's, its lines kept", () => {
    const h = readFastHead(withLine(`${up}Sec-WebSocket-Protocol: chat, chat.v2`))!;
    expect(h.upgrade).toBe(true);
    expect(h.beforeHost + h.afterHost).toContain("Upgrade: websocket\r\n");
    expect(h.beforeHost + h.afterHost).toContain("Sec-WebSocket-Protocol: chat, chat.v2\r\n");
  });
  test("an invalid offer, an Upgrade not named in Connection, or a body are left to the spine", () => {
    for (const extra of [`${up}Sec-WebSocket-Protocol: a, A`, `${up}Sec-WebSocket-Protocol: a b`, "Upgrade: websocket", `${up}Content-Length: 2`]) {
      expect([extra, readFastHead(withLine(extra))]).toEqual([extra, undefined]);
    }
  });
});

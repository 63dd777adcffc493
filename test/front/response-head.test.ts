import { describe, expect, test } from "bun:test";
import type { RuntimeRoute } from "../../src/config/runtime.ts";
import { clientHead, hasNoBody, interimStatus, type ClientHead, type HeadContext } from "../../src/front/response-head.ts";
import type { HeaderRules } from "../../src/rewrite/header-rules.ts";
import type { ClientView, ReverseMapper } from "../../src/rewrite/reverse.ts";
import { UpstreamError } from "../../src/upstream/errors.ts";

/** Only the fields clientHead reads; the rest of a RuntimeRoute is irrelevant here. */
const route = (over: { reverse?: ReverseMapper; responseRules?: HeaderRules } = {}): RuntimeRoute =>
  ({ label: "sso.example.com/app", ...over }) as RuntimeRoute;

const context = (over: Partial<HeadContext> = {}): HeadContext => ({
  route: route(),
  scheme: "https",
  hostHeader: "sso.example.com",
  clientIp: "192.0.2.7",
  member: "http://10.0.0.5:8080",
  close: false,
  ...over,
});

/**
 * A response head from its lines (CRLF everywhere, the empty line included). A Date line goes in
 * second unless one is given: without one the proxy adds its own (RFC 9110 6.6.1), tested apart.
 */
const head = (...lines: string[]): string => {
  const all = lines[0]?.startsWith("HTTP/") && !lines.some((l) => /^date:/i.test(l)) ? [lines[0], "Date: d", ...lines.slice(1)] : lines;
  return all.map((l) => `${l}\r\n`).join("") + "\r\n";
};
const undated = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join("") + "\r\n";

/** clientHead on a buffer holding exactly the head. */
function run(text: string, cx: HeadContext = context(), isHead = false): ClientHead {
  const buf = Buffer.from(text, "latin1");
  return clientHead(buf, buf.length, text, cx, isHead);
}

/** The head the client gets, as text (the upstream's own bytes when relayed verbatim). */
function sent(text: string, r: ClientHead): string {
  return r.bytes === undefined ? text : Buffer.from(r.bytes).toString("latin1");
}

/** The rebuilt head as text, without the `Date: d` line head() put in (its place is not what these tests check). */
function bytesOf(r: ClientHead): string {
  return Buffer.from(r.bytes!).toString("latin1").replace(/^date: (d|\w{3}, [^\r]+ GMT)\r\n/im, "");
}

/** The error clientHead throws, or undefined. */
function thrown(text: string, cx: HeadContext = context()): unknown {
  try {
    run(text, cx);
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A reverse mapper from its two forms: the whole-Headers one (the full path) and the per-line one (the scan). */
const mapper = (whole: (h: Headers, c: ClientView) => void, line: ReverseMapper["line"] = () => undefined): ReverseMapper => Object.assign(whole, { line });

/** ProxyPassReverse stand-in: maps the member's URL in Location back to the client-facing one. */
const mapUrl = (value: string, client: ClientView) => (value.startsWith("http://10.0.0.5:8080/") ? `${client.scheme}://${client.host}/${value.slice(21)}` : undefined);
const mapLocation: ReverseMapper = mapper((h, client) => {
  const loc = h.get("location");
  const m = loc === null ? undefined : mapUrl(loc, client);
  if (m !== undefined) h.set("location", m);
}, (name, value, client) => (name === "location" ? mapUrl(value, client) : undefined));

describe("clientHead: the fast scan relays a clean head verbatim", () => {
  test("HTTP/1.1 with Content-Length: bytes is undefined, framing read from the head", () => {
    const text = head("HTTP/1.1 200 OK", "Content-Type: text/plain", "Content-Length: 5", "X-Custom: v");
    expect(run(text)).toEqual({ status: 200, contentLength: 5, chunked: false, upstreamClose: false, bytes: undefined, closeDelimited: false, dechunk: false, rechunk: false });
  });

  test("Transfer-Encoding: chunked sets chunked and keeps the head verbatim (it frames the relayed body)", () => {
    const r = run(head("HTTP/1.1 200 OK", "transfer-encoding: Chunked", "Content-Type: text/html"));
    expect(r).toEqual({ status: 200, contentLength: -1, chunked: true, upstreamClose: false, bytes: undefined, closeDelimited: false, dechunk: false, rechunk: false });
  });

  test("the status code is read from any 2xx-5xx status line, reason phrase or not", () => {
    expect(run(head("HTTP/1.1 404 Not Found", "Content-Length: 0")).status).toBe(404);
    expect(run(head("HTTP/1.1 503 ", "Content-Length: 0")).status).toBe(503);
    const bare = run(head("HTTP/1.1 302", "Location: /x", "Content-Length: 0"));
    expect([bare.status, bare.bytes]).toEqual([302, undefined]);
  });

  test("Location passes verbatim when the route has no ProxyPassReverse", () => {
    const text = head("HTTP/1.1 302 Found", "Location: http://10.0.0.5:8080/login", "Set-Cookie: s=1; Path=/", "Content-Length: 0");
    const r = run(text);
    expect(r.bytes).toBeUndefined();
    expect(sent(text, r)).toContain("Location: http://10.0.0.5:8080/login\r\n");
  });

  test("with a reverse mapper but no Location/Set-Cookie/URI the head stays verbatim and the mapper is not called", () => {
    let calls = 0;
    const cx = context({ route: route({ reverse: mapper(() => void calls++, () => (calls++, undefined)) }) });
    expect(run(head("HTTP/1.1 200 OK", "Content-Length: 2", "Cache-Control: no-store"), cx).bytes).toBeUndefined();
    expect(calls).toBe(0);
  });
});

describe("clientHead: hop-by-hop lines are cut out of the scanned head", () => {
  test("Connection: keep-alive and Keep-Alive are removed, other lines kept as sent and in order", () => {
    const r = run(head("HTTP/1.1 200 OK", "Date: x", "Connection: keep-alive", "Content-Length: 3", "Keep-Alive: timeout=5, max=100", "X-Last: 1"));
    expect(r.bytes).toBeDefined();
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 3\r\nX-Last: 1\r\n\r\n");
    expect(r).toMatchObject({ status: 200, contentLength: 3, upstreamClose: false, closeDelimited: false });
  });

  test("Upgrade and Proxy-Connection are removed too (RFC 9110 7.6.1)", () => {
    const r = run(head("HTTP/1.1 200 OK", "Upgrade: h2c", "Content-Length: 0", "Proxy-Connection: keep-alive"));
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });

  test("Connection: close sets upstreamClose and is removed; the client's connection is not closed for it", () => {
    const r = run(head("HTTP/1.1 200 OK", "Connection: close", "Content-Length: 3"));
    expect(r.upstreamClose).toBe(true);
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
  });

  test("Connection naming another field takes the full path, which removes that field too", () => {
    const r = run(head("HTTP/1.1 200 OK", "Connection: X-Secret", "X-Secret: s", "X-Kept: k", "Content-Length: 0"));
    const out = bytesOf(r);
    expect(out.toLowerCase()).not.toContain("x-secret");
    expect(out).toContain("x-kept: k\r\n");
  });
});

describe("clientHead: connection: close in the client's head", () => {
  test("cx.close appends `connection: close` before the empty line, the rest unchanged", () => {
    const text = head("HTTP/1.1 200 OK", "Content-Length: 3", "X-A: 1");
    const r = run(text, context({ close: true }));
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\nconnection: close\r\n\r\n");
    expect(r.closeDelimited).toBe(false);
  });

  test("cx.close with the upstream's own Connection: close gives exactly one connection line", () => {
    const r = run(head("HTTP/1.1 200 OK", "Connection: close", "Content-Length: 3"), context({ close: true }));
    const out = bytesOf(r);
    expect(out).toBe("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nconnection: close\r\n\r\n");
    expect(r.upstreamClose).toBe(true);
  });

  test("no Content-Length and not chunked on a 200 (RFC 9112 6.3 rule 8): an HTTP/1.1 client gets it chunked and keeps its connection; an HTTP/1.0 client is told it closes", () => {
    const text = head("HTTP/1.1 200 OK", "Content-Type: text/plain");
    const r = run(text);
    expect(r).toMatchObject({ status: 200, contentLength: -1, chunked: false, closeDelimited: false, rechunk: true });
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n");
    const old = run(text, context({ http10: true, close: true }));
    expect(old).toMatchObject({ closeDelimited: true, rechunk: false });
    expect(bytesOf(old)).toContain("connection: close\r\n");
    expect(bytesOf(old)).not.toContain("transfer-encoding");
  });

  test("no length is not close-delimited for HEAD, 204 or 304 (RFC 9110 6.4.1: no body at all)", () => {
    const cases: [string, string, boolean][] = [
      ["HEAD 200", head("HTTP/1.1 200 OK", "Content-Type: text/plain"), true],
      ["204", head("HTTP/1.1 204 No Content", "X-A: 1"), false],
      ["304", head("HTTP/1.1 304 Not Modified", "ETag: \"a\""), false],
    ];
    for (const [why, text, isHead] of cases) {
      const r = run(text, context(), isHead);
      expect([why, r.closeDelimited, r.bytes]).toEqual([why, false, undefined]);
    }
  });
});

describe("clientHead: ProxyPassReverse line by line, and header rules through the full path", () => {
  test("Location is mapped in place by the route's reverse function (ProxyPassReverse): every other line keeps its case and place", () => {
    const seen: ClientView[] = [];
    const reverse = mapper(() => {}, (name, value, client) => (seen.push(client), mapLocation.line(name, value, client)));
    const text = head("HTTP/1.1 302 Found", "Location: http://10.0.0.5:8080/app/login?x=1", "WWW-Authenticate: Basic realm=\"a, b\"", "WWW-Authenticate: Bearer", "Connection: keep-alive", "Content-Length: 0");
    const r = run(text, context({ route: route({ reverse }) }));
    expect(bytesOf(r)).toBe(
      "HTTP/1.1 302 Found\r\nLocation: https://sso.example.com/app/login?x=1\r\nWWW-Authenticate: Basic realm=\"a, b\"\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n",
    );
    expect(seen).toEqual([{ scheme: "https", host: "sso.example.com" }]);
    expect(r).toMatchObject({ status: 302, contentLength: 0, chunked: false, upstreamClose: false, closeDelimited: false });
  });

  test("two Location lines are each mapped, and stay two lines; one that maps to nothing stays verbatim", () => {
    const text = head("HTTP/1.1 302 Found", "Location: http://10.0.0.5:8080/1", "location: http://10.0.0.5:8080/2", "Content-Length: 0");
    expect(bytesOf(run(text, context({ route: route({ reverse: mapLocation }) })))).toBe("HTTP/1.1 302 Found\r\nLocation: https://sso.example.com/1\r\nlocation: https://sso.example.com/2\r\nContent-Length: 0\r\n\r\n");
    const foreign = head("HTTP/1.1 302 Found", "Location: https://other.example/x", "Content-Length: 0");
    expect(run(foreign, context({ route: route({ reverse: mapLocation }) })).bytes).toBeUndefined();
  });

  test("Set-Cookie lines are mapped one by one and stay separate lines (RFC 6265 3), the others verbatim", () => {
    const reverse = mapper(() => {}, (name, value) => (name === "set-cookie" && value.startsWith("b=") ? "b=2; Path=/app" : undefined));
    const text = head("HTTP/1.1 200 OK", "Set-Cookie: a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "Set-Cookie: b=2; Path=/", "Content-Length: 2");
    const out = Buffer.from(run(text, context({ route: route({ reverse }) })).bytes!).toString("latin1");
    expect(out).toBe("HTTP/1.1 200 OK\r\nDate: d\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nSet-Cookie: b=2; Path=/app\r\nContent-Length: 2\r\n\r\n");
  });

  test("Content-Location and URI are also reverse-mapped fields", () => {
    let calls = 0;
    const cx = context({ route: route({ reverse: mapper(() => {}, () => (calls++, "http://mapped/")) }) });
    expect(run(head("HTTP/1.1 200 OK", "Content-Location: http://10.0.0.5:8080/a", "Content-Length: 0"), cx).bytes).toBeDefined();
    expect(run(head("HTTP/1.1 200 OK", "URI: <http://10.0.0.5:8080/a>", "Content-Length: 0"), cx).bytes).toBeDefined();
    expect(calls).toBe(2);
  });

  test("responseRules force a rebuild and get the route's variables (mod_headers / add_header)", () => {
    const vars: unknown[] = [];
    const responseRules: HeaderRules = (h, v) => {
      vars.push(v);
      h.set("x-served-by", v.member);
      h.delete("server");
    };
    const text = head("HTTP/1.1 200 OK", "Server: backend/1.0", "Content-Length: 4");
    const r = run(text, context({ route: route({ responseRules }) }));
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nx-served-by: http://10.0.0.5:8080\r\ncontent-length: 4\r\n\r\n");
    expect(vars).toEqual([{ route: "sso.example.com/app", member: "http://10.0.0.5:8080", client_ip: "192.0.2.7", host: "sso.example.com", scheme: "https" }]);
  });

  test("a rebuilt chunked head restates transfer-encoding: chunked; cx.close still adds connection: close", () => {
    const rules: HeaderRules = () => {};
    const r = run(head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "Connection: close"), context({ route: route({ responseRules: rules }), close: true }));
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n");
    expect(r).toMatchObject({ chunked: true, contentLength: -1, upstreamClose: true, closeDelimited: false });
  });

  test("an HTTP/1.0 head is rebuilt as HTTP/1.1, and the upstream closes unless it said keep-alive (RFC 9112 9.3)", () => {
    const r = run(head("HTTP/1.0 200 OK", "Content-Length: 2", "X-A: 1"));
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n");
    expect(r).toMatchObject({ status: 200, contentLength: 2, upstreamClose: true, closeDelimited: false });

    const ka = run(head("HTTP/1.0 200 OK", "Connection: keep-alive", "Content-Length: 2"));
    expect(ka.upstreamClose).toBe(false);
    expect(bytesOf(ka)).toBe("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
  });

  test("an HTTP/1.0 head without a length ends at the member's close: chunked to an HTTP/1.1 client, which keeps its connection", () => {
    const r = run(head("HTTP/1.0 200 OK", "Content-Type: text/plain"));
    expect(r).toMatchObject({ closeDelimited: false, rechunk: true, upstreamClose: true, contentLength: -1 });
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n");
  });

  test("identical repeated Content-Length lines (RFC 9112 6.3 may accept them) become one line", () => {
    const r = run(head("HTTP/1.1 200 OK", "Content-Length: 3", "Content-Length: 3"));
    expect(r.contentLength).toBe(3);
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n");
  });

  test("bare-LF lines go through the full parser (RFC 9112 2.2) and come out with CRLF", () => {
    const text = "HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\n";
    const r = run(text);
    expect(r).toMatchObject({ status: 200, contentLength: 2, chunked: false, closeDelimited: false });
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nx-a: b\r\ncontent-length: 2\r\n\r\n");
  });

  test("a bare LF in one field line among CRLF lines is also left to the full parser", () => {
    const text = "HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 2\r\n\r\n";
    const r = run(text);
    expect(r.contentLength).toBe(2);
    expect(bytesOf(r)).toBe("HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n");
  });
});

describe("clientHead: malformed heads throw EMALFORMED, as the spine's client does", () => {
  const cases: [string, string][] = [
    ["Transfer-Encoding: gzip", head("HTTP/1.1 200 OK", "Transfer-Encoding: gzip")],
    ["Transfer-Encoding: gzip, chunked", head("HTTP/1.1 200 OK", "Transfer-Encoding: gzip, chunked")],
    ["chunked twice", head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked")],
    ["differing Content-Length lines", head("HTTP/1.1 200 OK", "Content-Length: 3", "Content-Length: 4")],
    ["differing Content-Length list", head("HTTP/1.1 200 OK", "Content-Length: 3, 4")],
    ["non-numeric Content-Length", head("HTTP/1.1 200 OK", "Content-Length: 3a")],
    ["signed Content-Length", head("HTTP/1.1 200 OK", "Content-Length: +3")],
    ["Content-Length and chunked (RFC 9112 6.1 smuggling vector)", head("HTTP/1.1 200 OK", "Content-Length: 3", "Transfer-Encoding: chunked")],
    ["101 without an Upgrade asked for", head("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade")],
    ["100 Continue reaching clientHead", head("HTTP/1.1 100 Continue")],
    ["status 600", head("HTTP/1.1 600 Odd", "Content-Length: 0")],
    ["two-digit status", head("HTTP/1.1 20 OK", "Content-Length: 0")],
    ["four-digit status", head("HTTP/1.1 2000 OK", "Content-Length: 0")],
    ["not HTTP/1.x", head("HTTP/2 200", "Content-Length: 0")],
    ["obs-fold (RFC 9112 5.2)", head("HTTP/1.1 200 OK", "X-A: one", " two", "Content-Length: 0")],
    ["whitespace before the colon (RFC 9112 5.1), HTTP/1.0", head("HTTP/1.0 200 OK", "X-A : 1", "Content-Length: 0")],
    ["a line without a colon", head("HTTP/1.1 200 OK", "NoColon", "Content-Length: 0")],
  ];
  for (const [why, text] of cases) {
    test(why, () => {
      const e = thrown(text);
      expect(e).toBeInstanceOf(UpstreamError);
      expect((e as UpstreamError).code).toBe("EMALFORMED");
    });
  }

  // "Content-Length : 5" must not pass as an unknown field next to a close-delimited body: a
  // lenient client would read 5 bytes, the proxy relay until close (RFC 9112 5.1).
  test("whitespace before the colon on an HTTP/1.1 head is rejected like on the full path", () => {
    expect(thrown(head("HTTP/1.1 200 OK", "Content-Length : 5"))).toBeInstanceOf(UpstreamError);
    expect(thrown(head("HTTP/1.1 200 OK", "Transfer-Encoding : chunked"))).toBeInstanceOf(UpstreamError);
  });

  // Number("2e2") is 200: the scan reads the three digits one by one.
  test("a status code that is not three digits (2e2) is rejected like on the full path", () => {
    expect(thrown(head("HTTP/1.1 2e2 OK", "Content-Length: 0"))).toBeInstanceOf(UpstreamError);
  });

  // RFC 9112 2.2: a bare CR is invalid; the full parser (Headers) refuses NUL too.
  test("NUL or a bare CR in a field value is rejected like on the full path", () => {
    expect(thrown(head("HTTP/1.1 200 OK", "X-A: a\x00b", "Content-Length: 0"))).toBeInstanceOf(UpstreamError);
    expect(thrown(head("HTTP/1.1 200 OK", "X-A: a\rb", "Content-Length: 0"))).toBeInstanceOf(UpstreamError);
  });
});

describe("hasNoBody", () => {
  test("a response to HEAD never has a body, whatever its status (RFC 9110 9.3.2)", () => {
    for (const s of [200, 204, 206, 301, 404, 500]) expect([s, hasNoBody(s, true)]).toEqual([s, true]);
  });

  test("204 and 304 never have a body (RFC 9110 15.3.5, 15.4.5)", () => {
    expect(hasNoBody(204, false)).toBe(true);
    expect(hasNoBody(304, false)).toBe(true);
  });

  test("other statuses to a GET may have one", () => {
    for (const s of [200, 201, 205, 206, 301, 302, 404, 500, 503]) expect([s, hasNoBody(s, false)]).toEqual([s, false]);
  });
});

describe("clientHead: the sticky-session cookie", () => {
  test("is added after the member's own Set-Cookie on a scanned head, framing untouched", () => {
    const text = head("HTTP/1.1 200 OK", "Set-Cookie: app=1", "Content-Length: 2");
    const r = run(text, context({ setCookie: "ROUTEID=.m1; Path=/" }));
    expect(sent(text, r)).toBe(head("HTTP/1.1 200 OK", "Set-Cookie: app=1", "Content-Length: 2", "set-cookie: ROUTEID=.m1; Path=/"));
    expect(r.contentLength).toBe(2);
  });

  test("is appended after the rules on a rebuilt head, as handler.ts's onResponse does", () => {
    const text = head("HTTP/1.0 200 OK", "Set-Cookie: app=1", "Content-Length: 2");
    const r = run(text, context({ setCookie: "ROUTEID=.m1; Path=/" }));
    const out = sent(text, r);
    expect(out).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(out.indexOf("set-cookie: app=1")).toBeLessThan(out.indexOf("set-cookie: ROUTEID=.m1; Path=/"));
  });
});

describe("clientHead: Date", () => {
  test("a head without Date gets the proxy's (RFC 9110 6.6.1), on the scan and on the full path", () => {
    for (const status of ["HTTP/1.1 200 OK", "HTTP/1.0 200 OK"]) {
      const text = undated(status, "Content-Length: 0");
      expect(sent(text, run(text))).toMatch(/\r\ndate: \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT\r\n/);
    }
  });

  test("a 204's Transfer-Encoding is dropped (RFC 9112 6.1); a 304 and a HEAD answer keep theirs", () => {
    const no = head("HTTP/1.1 204 No Content", "Transfer-Encoding: chunked");
    expect(sent(no, run(no)).toLowerCase()).not.toContain("transfer-encoding");
    const nm = head("HTTP/1.1 304 Not Modified", "Transfer-Encoding: chunked");
    expect(sent(nm, run(nm)).toLowerCase()).toContain("transfer-encoding: chunked");
    const h = head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked");
    expect(sent(h, run(h, context(), true)).toLowerCase()).toContain("transfer-encoding: chunked");
  });

  test("a chunked answer to an HTTP/1.0 client loses Transfer-Encoding: decoded, ended by the close (RFC 9112 6.1)", () => {
    const text = head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "X-A: 1");
    const r = run(text, context({ http10: true, close: true }));
    expect(r).toMatchObject({ chunked: true, dechunk: true, closeDelimited: true });
    const out = sent(text, r).toLowerCase();
    expect(out).not.toContain("transfer-encoding");
    expect(out).toContain("x-a: 1\r\n");
    expect(out).toContain("connection: close\r\n");
    // HEAD and 304 have no body to decode.
    expect(run(text, context({ http10: true, close: true }), true).dechunk).toBe(false);
    expect(run(text).dechunk).toBe(false);
  });

  test("an HTTP/1.0 client kept alive is told so; a chunked answer to it still ends with a close", () => {
    const sized = head("HTTP/1.1 200 OK", "Date: x", "Content-Length: 2");
    const kept = sent(sized, run(sized, context({ http10: true, close: false }))).toLowerCase();
    expect(kept).toContain("connection: keep-alive\r\n");
    expect(kept).not.toContain("connection: close");
    const old = head("HTTP/1.0 200 OK", "Content-Length: 2");
    expect(sent(old, run(old, context({ http10: true, close: false }))).toLowerCase()).toContain("connection: keep-alive\r\n");
    const chunked = head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked");
    const closed = sent(chunked, run(chunked, context({ http10: true, close: false }))).toLowerCase();
    expect(closed).toContain("connection: close\r\n");
    expect(closed).not.toContain("keep-alive");
  });

  test("a bare CR in the reason phrase is a malformed response, never relayed", () => {
    expect(thrown(undated("HTTP/1.1 200 OK\rSet-Cookie: x=1", "Content-Length: 0"))).toBeInstanceOf(UpstreamError);
    expect(thrown(undated("HTTP/1.1 200 OK\rContent-Length: 0", "Transfer-Encoding: chunked"))).toBeInstanceOf(UpstreamError);
  });

  test("interimStatus: exactly three digits after HTTP/1.x, then a space or the line end", () => {
    const s = (t: string) => interimStatus(Buffer.from(t, "latin1"));
    expect([s("HTTP/1.1 100 Continue\r\n"), s("HTTP/1.1 103\r\n"), s("HTTP/1.0 101 Switching\r\n"), s("HTTP/1.1 102\n")]).toEqual([100, 103, 101, 102]);
    expect([s("HTTP/1.1 1000 X\r\n"), s("HTTP/1.1 200 OK\r\n"), s("HTTP/1.1 1x0 X\r\n"), s("HTTX/1.1 100 X\r\n"), s("HTTP/2.0 100 X\r\n")]).toEqual([-1, -1, -1, -1, -1]);
  });

  test("a 204's Content-Length is dropped (RFC 9110 8.6)", () => {
    const text = head("HTTP/1.1 204 No Content", "Content-Length: 5");
    const out = sent(text, run(text)).toLowerCase();
    expect(out).not.toContain("content-length");
    expect(run(text).status).toBe(204);
  });
});

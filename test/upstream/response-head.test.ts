import { describe, expect, test } from "bun:test";
import { findHeadEnd, parseResponseHead } from "../../src/upstream/response-head.ts";

function parse(text: string) {
  const buf = Buffer.from(text, "latin1");
  const end = findHeadEnd(buf, 0);
  if (end === -1) return null;
  return parseResponseHead(buf, 0, end);
}

describe("parseResponseHead", () => {
  test("status line, reason, framing fields", () => {
    const h = parse("HTTP/1.1 404 Not Found Here\r\nContent-Length: 12\r\nConnection: Keep-Alive, Close\r\n\r\nbody")!;
    expect(h.status).toBe(404);
    expect(h.statusText).toBe("Not Found Here");
    expect(h.minorVersion).toBe(1);
    expect(h.contentLength).toBe(12);
    expect(h.connectionClose).toBe(true);
    expect(h.connectionKeepAlive).toBe(true);
  });

  test("end offset points at the body", () => {
    const text = "HTTP/1.0 200 OK\r\nA: b\r\n\r\nBODY";
    const h = parse(text)!;
    expect(text.slice(h.end)).toBe("BODY");
    expect(h.minorVersion).toBe(0);
  });

  test("incomplete head => null; bare LF line endings are accepted (RFC 9112 §2.2)", () => {
    expect(parse("HTTP/1.1 200 OK\r\nA: b\r\n")).toBeNull();
    const h = parse("HTTP/1.1 200 OK\nA:  spaced value \t\n\nX")!;
    expect(h.headers.get("a")).toBe("spaced value");
  });

  test("empty reason phrase, with or without the trailing space", () => {
    expect(parse("HTTP/1.1 200 \r\n\r\n")!.statusText).toBe("");
    expect(parse("HTTP/1.1 200\r\n\r\n")!.status).toBe(200);
  });

  test("a reason phrase with a bare CR, NUL or another control is refused; HTAB and obs-text are kept (RFC 9112 4)", () => {
    for (const reason of ["OK\rSet-Cookie: x=1", "O\x00K", "O\x01K", "O\x7fK"]) expect(() => parse(`HTTP/1.1 200 ${reason}\r\n\r\n`)).toThrow("a control character in the reason phrase");
    expect(parse("HTTP/1.1 200 O\tK \xe9\r\n\r\n")!.statusText).toBe("O\tK \xe9");
  });

  test("transfer-encoding: exactly chunked (any case, empty list elements ignored)", () => {
    for (const te of ["chunked", "Chunked", " CHUNKED ", "chunked,", ", chunked"]) {
      const h = parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n`)!;
      expect(h.chunked).toBe(true);
      expect(h.hasTransferEncoding).toBe(true);
    }
  });

  test("any other transfer-encoding is refused: the client would get coded bytes as identity", () => {
    for (const te of ["gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked", "identity", ""]) {
      expect(() => parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n`)).toThrow(/transfer-encoding/);
    }
    // Split over two lines it is the same list (RFC 9110 5.3).
    expect(() => parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")).toThrow(/transfer-encoding/);
    expect(() => parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")).toThrow(/transfer-encoding/);
  });

  test("identical duplicate content-lengths collapse to one value", () => {
    expect(parse("HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 3\r\n\r\n")!.headers.get("content-length")).toBe("3");
    expect(parse("HTTP/1.1 200 OK\r\ncontent-length: 3, 3\r\n\r\n")!.contentLength).toBe(3);
  });

  for (const [name, text] of [
    ["obs-fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n"],
    ["space before colon", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n"],
    ["empty name", "HTTP/1.1 200 OK\r\n: b\r\n\r\n"],
    ["HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n"],
    ["status 600", "HTTP/1.1 600 X\r\n\r\n"],
    ["status 099", "HTTP/1.1 099 X\r\n\r\n"],
    ["CL with sign", "HTTP/1.1 200 OK\r\ncontent-length: +3\r\n\r\n"],
    ["CL list with different values", "HTTP/1.1 200 OK\r\ncontent-length: 3, 4\r\n\r\n"],
    ["CL too large", "HTTP/1.1 200 OK\r\ncontent-length: 1234567890123456\r\n\r\n"],
    ["NUL in value", "HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n"],
    ["invalid name", "HTTP/1.1 200 OK\r\nA(b: c\r\n\r\n"],
  ] as const) {
    test(`rejects ${name}`, () => {
      expect(() => parse(text)).toThrow(/malformed upstream response/);
    });
  }
});

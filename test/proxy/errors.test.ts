import { afterEach, describe, expect, test, setSystemTime } from "bun:test";
import { ENCODED_SLASH_404, errorBytes, httpDate, type ProxyErrorKind } from "../../src/proxy/errors.ts";

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const bodyOf = (b: Uint8Array) => Buffer.from(b).subarray(Buffer.from(b).indexOf("\r\n\r\n") + 4);

afterEach(() => {
  setSystemTime();
});

describe("errorBytes", () => {
  test("each kind answers its status with the RFC 9110 reason phrase", () => {
    const lines: [ProxyErrorKind, string][] = [
      ["bad_request", "400 Bad Request"], ["forbidden", "403 Forbidden"], ["no_route", "404 Not Found"],
      ["not_allowed", "405 Method Not Allowed"], ["client_timeout", "408 Request Timeout"], ["too_large", "413 Content Too Large"],
      ["expectation", "417 Expectation Failed"], ["head_too_large", "431 Request Header Fields Too Large"], ["upstream", "502 Bad Gateway"],
      ["unavailable", "503 Service Unavailable"], ["timeout", "504 Gateway Timeout"], ["version", "505 HTTP Version Not Supported"],
    ];
    for (const [kind, line] of lines) {
      const a = errorBytes(kind, "x", false);
      expect([kind, a.status, text(a.bytes).split("\r\n", 1)[0]]).toEqual([kind, Number(line.slice(0, 3)), `HTTP/1.1 ${line}`]);
    }
  });

  test("a closing answer, byte for byte: plain text, no-store, date, length, connection: close", () => {
    setSystemTime(new Date("2025-01-01T00:00:00Z"));
    const detail = "502 Bad Gateway: upstream error from pool api";
    expect(text(errorBytes("upstream", detail, true).bytes)).toBe(
      "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain; charset=utf-8\r\ncache-control: no-store\r\n" +
        "date: Wed, 01 Jan 2025 00:00:00 GMT\r\ncontent-length: 46\r\nconnection: close\r\n\r\n" + detail + "\n",
    );
  });

  test("a keep-alive answer is the same bytes without the connection field", () => {
    setSystemTime(new Date("2025-01-01T00:00:00Z"));
    const keep = text(errorBytes("no_route", "404 Not Found", false).bytes);
    expect(keep).not.toContain("connection:");
    expect(keep).toBe(text(errorBytes("no_route", "404 Not Found", true).bytes).replace("connection: close\r\n", ""));
  });

  test("content-length counts the body's UTF-8 bytes, newline included", () => {
    const detail = "403 Forbidden: Zugriff für „gäste“ gesperrt";
    const { bytes } = errorBytes("forbidden", detail, false);
    const body = bodyOf(bytes);
    expect(body.toString("utf8")).toBe(detail + "\n");
    expect(body.byteLength).toBe(Buffer.byteLength(detail) + 1);
    expect(text(bytes)).toContain(`\r\ncontent-length: ${body.byteLength}\r\n`);
  });

  test("the encoded-slash refusal is a 404 whose body gives the reason", () => {
    const { status, bytes } = errorBytes("no_route", ENCODED_SLASH_404, false);
    expect(status).toBe(404);
    expect(bodyOf(bytes).toString("latin1")).toBe("404 Not Found: an encoded / or \\ in the path is not allowed here\n");
  });
});

describe("httpDate", () => {
  test("IMF-fixdate of the current second, two-digit day", () => {
    setSystemTime(new Date("2025-03-09T07:05:03.999Z"));
    expect(httpDate()).toBe("Sun, 09 Mar 2025 07:05:03 GMT");
  });

  test("follows the clock into the next second, and back", () => {
    setSystemTime(new Date("2025-03-09T07:05:03.000Z"));
    expect(httpDate()).toBe("Sun, 09 Mar 2025 07:05:03 GMT");
    setSystemTime(new Date("2025-03-09T07:05:04.000Z"));
    expect(httpDate()).toBe("Sun, 09 Mar 2025 07:05:04 GMT");
    setSystemTime(new Date("2025-03-09T07:05:03.500Z"));
    expect(httpDate()).toBe("Sun, 09 Mar 2025 07:05:03 GMT");
  });
});

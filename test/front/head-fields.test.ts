import { expect, test } from "bun:test";
import { cachedHostName, validOffer, version, withoutFields } from "../../src/front/head-fields.ts";

test("withoutFields drops the named lines, any casing, and keeps the rest in order", () => {
  expect(withoutFields("A: 1\r\nX-Secret: s\r\nb: 2\r\nx-secret: t\r\n", new Set(["x-secret"]))).toBe("A: 1\r\nb: 2\r\n");
  expect(withoutFields("", new Set(["a"]))).toBe("");
});

test("version: HTTP/1.0 is true, 1.1 and higher 1.x false, 2.0 is 505, junk 400", () => {
  expect([version("HTTP/1.0"), version("HTTP/1.1"), version("HTTP/1.9")]).toEqual([true, false, false]);
  expect(() => version("HTTP/2.0")).toThrow("505 HTTP Version Not Supported");
  expect(() => version("HTTP/1")).toThrow("400 Bad Request");
});

test("validOffer: subprotocols are unique tokens across every Sec-WebSocket-Protocol line (RFC 6455 4.1)", () => {
  expect(validOffer("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(true);
  expect(validOffer("GET / HTTP/1.1\r\nSec-WebSocket-Protocol: chat, v2\r\nsec-websocket-protocol: v3\r\n\r\n")).toBe(true);
  expect(validOffer("GET / HTTP/1.1\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: CHAT\r\n\r\n")).toBe(false);
  expect(validOffer("GET / HTTP/1.1\r\nSec-WebSocket-Protocol: a b\r\n\r\n")).toBe(false);
});

test("cachedHostName answers like hostName, repeated or not", () => {
  expect([cachedHostName("A.Example:80"), cachedHostName("A.Example:80"), cachedHostName("a b")]).toEqual(["a.example", "a.example", undefined]);
});

import { expect, test } from "bun:test";
import { BadHead } from "../../src/front/request-check.ts";
import { AT_REST, HeadTooLarge, HOLD_MAX, IN_BODY, IN_HEAD, OPAQUE, TunnelGate } from "../../src/front/tunnel-gate.ts";

function gate() {
  const out: string[] = [];
  const g = new TunnelGate((b) => out.push(Buffer.from(b).toString("latin1")));
  return { g, out, feed: (s: string) => g.feed(Buffer.from(s, "latin1")) };
}

test("a first body up to the hold size goes on in one piece once complete", () => {
  const { g, out, feed } = gate();
  feed("POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\nabc");
  expect(out).toEqual([]);
  expect(g.state).toBe(IN_BODY);
  feed("def");
  expect(out).toEqual(["POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\nabcdef"]);
  expect(g.state).toBe(AT_REST);
});

test("the next head after a body is checked too", () => {
  const { feed } = gate();
  feed("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\na");
  expect(() => feed("GET  / HTTP/1.1\r\n\r\n")).toThrow(BadHead);
});

test("a request hidden in a chunked body stays body", () => {
  const { out, feed } = gate();
  const hidden = "GET /x HTTP/1.1\r\n\r\n";
  feed(`PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`);
  expect(out.join("")).toContain(hidden);
  expect(out.length).toBe(1);
});

test("a larger body streams; the second request's body is never held", () => {
  const { out, feed } = gate();
  feed(`POST / HTTP/1.1\r\nContent-Length: ${HOLD_MAX + 1}\r\n\r\nab`);
  expect(out.length).toBe(2);
});

test("a partial head waits; bare LF, GET bodies and huge heads are refused", () => {
  const { g, feed } = gate();
  feed("GET / HTTP/1.1\r\nHo");
  expect(g.state).toBe(IN_HEAD);
  expect(() => gate().feed("GET / HTTP/1.1\nHost: a\r\n\r\n")).toThrow(BadHead);
  expect(() => gate().feed("GET / HTTP/1.1\r\nContent-Length: 1\r\n\r\na")).toThrow(BadHead);
  expect(() => gate().feed(`GET / HTTP/1.1\r\nX: ${"a".repeat(70_000)}`)).toThrow(HeadTooLarge);
});

test("after an Upgrade request the bytes pass unchecked", () => {
  const { g, out, feed } = gate();
  feed("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x00");
  expect(g.state).toBe(OPAQUE);
  feed("\n\n anything");
  expect(out.at(-1)).toBe("\n\n anything");
});

test("Expect: 100-continue on a held body asks for a 100", () => {
  const { g, feed } = gate();
  feed("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  expect(g.wantsContinue).toBe(true);
});

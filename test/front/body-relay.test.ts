import { expect, test } from "bun:test";
import { BodyRelay, CHUNKED, headAndBody, UNTIL_CLOSE } from "../../src/front/body-relay.ts";
import type { ClientHead } from "../../src/front/response-head.ts";
import { UpstreamError } from "../../src/upstream/errors.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString("latin1"));
const HEAD = "HTTP/1.1 200 OK\r\n\r\n";
const asIs = { bytes: undefined } as ClientHead;
const rewritten = { bytes: bytes("HTTP/1.1 200 OK\r\nvia: edge\r\n\r\n") } as unknown as ClientHead;

test("a Content-Length body ends at its length and the rest of the read is spill", () => {
  const r = new BodyRelay(5);
  r.take(bytes(`${HEAD}helloHTTP/1.1`), HEAD.length);
  expect([r.end, r.bytes, r.over, r.spill, r.framed]).toEqual([HEAD.length + 5, 5, true, true, undefined]);
});

test("a Content-Length body across reads is over at the read that completes it", () => {
  const r = new BodyRelay(5);
  r.take(bytes("hel"), 0);
  expect([r.end, r.bytes, r.over, r.spill]).toEqual([3, 3, false, false]);
  r.take(bytes("lo"), 0);
  expect([r.end, r.bytes, r.over, r.spill]).toEqual([2, 5, true, false]);
});

test("no body (length 0) is over at once; bytes after the head are spill", () => {
  const clean = new BodyRelay(0);
  clean.take(bytes(HEAD), HEAD.length);
  expect([clean.end, clean.bytes, clean.over, clean.spill]).toEqual([HEAD.length, 0, true, false]);
  const extra = new BodyRelay(0);
  extra.take(bytes(`${HEAD}x`), HEAD.length);
  expect([extra.end, extra.over, extra.spill]).toEqual([HEAD.length, true, true]);
});

test("a body until close takes every read whole and is never over by itself", () => {
  const r = new BodyRelay(UNTIL_CLOSE);
  expect(r.untilClose).toBe(true);
  r.take(bytes(`${HEAD}abc`), HEAD.length);
  r.take(bytes("defg"), 0);
  expect([r.end, r.bytes, r.over, r.spill]).toEqual([4, 7, false, false]);
  expect(new BodyRelay(5).untilClose).toBe(false);
  expect(new BodyRelay(CHUNKED).untilClose).toBe(false);
});

test("a body until close can go out chunked: each read its own chunk, and the last chunk for the close", () => {
  const r = new BodyRelay(UNTIL_CLOSE, false, true);
  r.take(bytes(`${HEAD}abc`), HEAD.length);
  expect(Buffer.from(r.framed!).toString()).toBe("3\r\nabc\r\n");
  r.take(bytes("0123456789abcdefg"), 0);
  expect(Buffer.from(r.framed!).toString()).toBe("11\r\n0123456789abcdefg\r\n");
  expect([r.bytes, r.over, Buffer.from(r.lastChunk!).toString()]).toEqual([20, false, "0\r\n\r\n"]);
  expect(new BodyRelay(UNTIL_CLOSE).lastChunk).toBeUndefined();
  expect(new BodyRelay(5, false, true).lastChunk).toBeUndefined();
});

test("a chunked body is framed again: extensions and trailers dropped, bare LF made CRLF", () => {
  const r = new BodyRelay(CHUNKED);
  r.take(bytes(`${HEAD}5;name=value\r\nhello\r\n3\nabc\n0\r\nTrailer: x\r\n\r\n`), HEAD.length);
  expect(text(r.framed)).toBe("5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n");
  expect([r.bytes, r.over, r.spill]).toEqual([8, true, false]);
});

test("unframed (an HTTP/1.0 client): a chunked body goes out decoded, without sizes or the last chunk", () => {
  const r = new BodyRelay(CHUNKED, true);
  r.take(bytes(`${HEAD}5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nTrailer: x\r\n\r\n`), HEAD.length);
  expect(text(r.framed)).toBe("helloabc");
  expect([r.bytes, r.over, r.spill]).toEqual([8, true, false]);
});

test("a chunk split across reads goes out as the part of it each read holds", () => {
  const r = new BodyRelay(CHUNKED);
  r.take(bytes("a\r\n0123"), 0);
  expect([text(r.framed), r.over]).toEqual(["4\r\n0123\r\n", false]);
  r.take(bytes("456789"), 0);
  expect([text(r.framed), r.over]).toEqual(["6\r\n456789\r\n", false]);
  r.take(bytes("\r\n"), 0);
  expect(r.framed).toBeUndefined(); // no data in this read: nothing for the client
  r.take(bytes("0\r\n\r\nHTTP/1.1"), 0);
  expect([text(r.framed), r.bytes, r.over, r.spill]).toEqual(["0\r\n\r\n", 10, true, true]);
});

test("bad chunking throws UpstreamError EMALFORMED", () => {
  for (const [body, message] of [["zz\r\n", "missing chunk size"], ["2\r\nabc\r\n", "missing CRLF after chunk data"], ["2\r\nab\r\n0\r\n\rX", "CR without LF ending trailers"]] as const) {
    const err = (() => { try { new BodyRelay(CHUNKED).take(bytes(body), 0); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(UpstreamError);
    expect([(err as UpstreamError).code, (err as UpstreamError).message]).toEqual(["EMALFORMED", `malformed chunked body: ${message}`]);
  }
});

test("a read that fails on bad chunking adds none of its bytes: only what reached the client is counted", () => {
  const r = new BodyRelay(CHUNKED);
  r.take(bytes("2\r\nhi\r\n"), 0);
  expect(() => r.take(bytes("3\r\nabc\r\nzz"), 0)).toThrow("malformed chunked body");
  expect(r.bytes).toBe(2);
});

test("head and body as one write: the member's own bytes uncopied when its head goes out as it came", () => {
  const whole = bytes(`${HEAD}hello`);
  const r = new BodyRelay(5);
  r.take(whole, HEAD.length);
  expect(headAndBody(asIs, whole, HEAD.length, r)).toBe(whole);
  const spilled = bytes(`${HEAD}helloNEXT`);
  const s = new BodyRelay(5);
  s.take(spilled, HEAD.length);
  const out = headAndBody(asIs, spilled, HEAD.length, s);
  expect([text(out), out.buffer === spilled.buffer]).toEqual([`${HEAD}hello`, true]);
});

test("head and body as one write: a rewritten head goes first, alone when the read held no body", () => {
  const buf = bytes(`${HEAD}helloNEXT`);
  const r = new BodyRelay(5);
  r.take(buf, HEAD.length);
  expect(text(headAndBody(rewritten, buf, HEAD.length, r))).toBe(`${text(rewritten.bytes)}hello`);
  const headOnly = bytes(HEAD);
  const none = new BodyRelay(5);
  none.take(headOnly, HEAD.length);
  expect(headAndBody(rewritten, headOnly, HEAD.length, none)).toBe(rewritten.bytes!);
});

test("head and body as one write: a chunked body follows either head in its new framing", () => {
  const buf = bytes(`${HEAD}2;x\r\nhi\r\n0\r\n\r\n`);
  const own = new BodyRelay(CHUNKED);
  own.take(buf, HEAD.length);
  expect(text(headAndBody(asIs, buf, HEAD.length, own))).toBe(`${HEAD}2\r\nhi\r\n0\r\n\r\n`);
  const theirs = new BodyRelay(CHUNKED);
  theirs.take(buf, HEAD.length);
  expect(text(headAndBody(rewritten, buf, HEAD.length, theirs))).toBe(`${text(rewritten.bytes)}2\r\nhi\r\n0\r\n\r\n`);
});

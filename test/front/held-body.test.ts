import { expect, test } from "bun:test";
import { heldBody, heldBodyEnd, HeldWait, HOLD_MAX, STREAM, WAIT } from "../../src/front/held-body.ts";
import { ChunkScan } from "../../src/front/chunk-scan.ts";
import type { FastHead } from "../../src/front/fast-head.ts";

const head = (bodyLength: number, chunked = false) => ({ bodyLength, chunked }) as FastHead;
const buf = (s: string) => Buffer.from(s, "latin1");

test("a Content-Length body: its end once all here, else wait; too large to hold: stream; over maxBodySize: 413", () => {
  expect(heldBodyEnd(head(3), buf("HHabcNEXT"), 2, undefined)).toBe(5);
  expect(heldBodyEnd(head(3), buf("HHab"), 2, undefined)).toBe(WAIT);
  expect(heldBodyEnd(head(70_000), buf("HH"), 2, undefined)).toBe(STREAM);
  expect(() => heldBodyEnd(head(3), buf("HHabc"), 2, 2)).toThrow("413 Content Too Large: the body exceeds 2 bytes");
  expect(heldBodyEnd(head(70_000), buf("HH"), 2, 80_000)).toBe(STREAM);
});

test("a chunked body: its end, wait, stream past 64 KiB, 413 past maxBodySize, BadHead when malformed", () => {
  expect(heldBodyEnd(head(-1, true), buf("H2\r\nab\r\n0\r\n\r\nX"), 1, undefined)).toBe(13);
  expect(heldBodyEnd(head(-1, true), buf("H2\r\na"), 1, undefined)).toBe(WAIT);
  expect(heldBodyEnd(head(-1, true), buf(`H10000\r\n${"a".repeat(65_536)}`), 1, undefined)).toBe(STREAM);
  expect(() => heldBodyEnd(head(-1, true), buf("Hzz\r\n"), 1, undefined)).toThrow("malformed chunk size");
  expect(() => heldBodyEnd(head(-1, true), buf("H2\r\nab\r\n0\r\n\r\n"), 1, 1)).toThrow("413 Content Too Large: the body exceeds 1 bytes");
});

test("a body that ends a read buffer of its own is held in that buffer, with no copy", () => {
  const read = buf("HEADbody");
  expect(heldBody(read, 4, 8)).toBe(read);
});

test("a body followed by more bytes, or in a view of another buffer, is a copy: what a retry sends cannot change", () => {
  const read = buf("HEADbodyNEXT");
  const body = heldBody(read, 4, 8);
  read.fill(0x5a);
  expect(body.toString("latin1")).toBe("body");
  expect(body.buffer).not.toBe(read.buffer);
  const outer = buf("xxHEADbody");
  const view = outer.subarray(2); // the rest of a pipelined read
  const held = heldBody(view, 4, 8);
  expect(held).not.toBe(view);
  outer.fill(0x5a);
  expect(held.toString("latin1")).toBe("body");
});

test("a held chunked body's trailers stay behind: the last chunk, then CRLF", () => {
  const read = buf("HEAD3\r\nabc\r\n0\r\nX-User: admin\r\n\r\n");
  const at = "HEAD3\r\nabc\r\n0\r\n".length;
  expect(heldBody(read, 4, read.byteLength, at).toString("latin1")).toBe("3\r\nabc\r\n0\r\n\r\n");
  const plain = buf("HEAD3\r\nabc\r\n0\r\n\r\n");
  expect(heldBody(plain, 4, plain.byteLength, plain.byteLength - 2)).toBe(plain); // no trailers: no copy
});

test("a held body still arriving: reads are counted until the body may be complete, past HOLD_MAX or maxBodySize, or malformed", () => {
  const cl = new HeldWait(head(5), 2, undefined, undefined);
  expect([cl.more(buf("c")), cl.more(buf("d")), cl.more(buf("e"))]).toEqual([true, true, false]);
  expect(cl.parts.map((p) => p.toString())).toEqual(["c", "d", "e"]);

  const scan = new ChunkScan();
  expect(scan.scan(buf("3\r\nab"), 0)).toBe(-1);
  const chunked = new HeldWait(head(-1, true), 5, scan, undefined);
  expect(["c", "\r", "\n", "0\r\n"].map((s) => chunked.more(buf(s)))).toEqual([true, true, true, true]);
  expect(chunked.more(buf("\r\n"))).toBe(false); // the last chunk's end

  const bad = new ChunkScan();
  bad.scan(buf("3\r\n"), 0);
  expect(new HeldWait(head(-1, true), 3, bad, undefined).more(buf("abcX"))).toBe(false); // no CRLF after the data: the intake refuses it
  const big = new ChunkScan();
  big.scan(buf("a\r\n"), 0);
  expect(new HeldWait(head(-1, true), 3, big, 4).more(buf("abcde"))).toBe(false); // past maxBodySize: the intake answers 413
  expect(new HeldWait(head(-1, true), HOLD_MAX, new ChunkScan(), undefined).more(buf("1"))).toBe(false); // past HOLD_MAX: it streams
});

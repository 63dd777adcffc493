import { expect, test } from "bun:test";
import { heldBodyEnd, heldCopy, STREAM, WAIT } from "../../src/front/held-body.ts";
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

test("the held body is a copy: the read buffer can be reused without changing what a retry sends", () => {
  const read = buf("HEADbodyNEXT");
  const body = heldCopy(read, 4, 8);
  read.fill(0x5a);
  expect(body.toString("latin1")).toBe("body");
  expect(body.buffer).not.toBe(read.buffer);
});

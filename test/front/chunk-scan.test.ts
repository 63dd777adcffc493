import { expect, test } from "bun:test";
import { ChunkScan } from "../../src/front/chunk-scan.ts";
import { BadHead } from "../../src/front/request-check.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");

test("finds the end of a chunked body, extensions and trailers included", () => {
  const body = "5;x=y\r\nhello\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n";
  const s = new ChunkScan();
  expect(s.scan(bytes(body + "NEXT"), 0)).toBe(body.length);
  expect(s.payload).toBe(15);
});

test("byte by byte gives the same end", () => {
  const body = bytes("3\r\nabc\r\n0\r\n\r\n");
  const s = new ChunkScan();
  let end = -1;
  for (let i = 0; i < body.length && end < 0; i++) end = s.scan(body.subarray(i, i + 1), 0) < 0 ? -1 : i + 1;
  expect(end).toBe(body.length);
});

test("malformed sizes and framing are refused", () => {
  for (const b of ["zz\r\n", "+2\r\nab\r\n", " 2\r\nab\r\n", "\r\n", "2\nab\r\n", "2\r\nabc\r\n", "2\r\nab\n", "1234567890abcdef0\r\n", "0\r\nT: \x01\r\n\r\n"]) {
    expect(() => new ChunkScan().scan(bytes(b), 0)).toThrow(BadHead);
  }
});

test("after whitespace that follows the size only ';' or the line's end may come: `5 0` is no 5, nor 0x50", () => {
  for (const b of ["5 0\r\n", "5\t0\r\n", "5 x\r\n", "5 \t=\r\n"]) expect(() => new ChunkScan().scan(bytes(b), 0)).toThrow(BadHead);
  for (const b of ["5 ;a=b\r\nhello\r\n0\r\n\r\n", "5 \t\r\nhello\r\n0\r\n\r\n", "5;a\r\nhello\r\n0 \r\n\r\n"]) expect(new ChunkScan().scan(bytes(b), 0)).toBe(b.length);
});

test("an unfinished body says so", () => {
  expect(new ChunkScan().scan(bytes("5\r\nhel"), 0)).toBe(-1);
});

test("a trailer that is no field line is refused (RFC 9112 7.1.2); cut marks where the trailer section begins", () => {
  const refused = ["0\r\nGET /admin HTTP/1.1\r\n\r\n", "0\r\nno-colon\r\n\r\n", "0\r\n: v\r\n\r\n", "0\r\nT : v\r\n\r\n", "0\r\nT: a\x01\r\n\r\n"];
  for (const b of refused) expect(() => new ChunkScan().scan(bytes(b), 0)).toThrow(BadHead);
  const body = "3\r\nabc\r\n0\r\nX-User: admin\r\nContent-Length: 9\r\n\r\n";
  const s = new ChunkScan();
  expect(s.scan(bytes(body), 0)).toBe(body.length);
  expect(s.cut).toBe("3\r\nabc\r\n0\r\n".length);
  // Split: a read that starts inside the trailers is trailer from its first byte; one before them has none.
  const split = new ChunkScan();
  expect(split.scan(bytes("3\r\nabc\r\n"), 0)).toBe(-1);
  expect(split.cut).toBe(-1);
  expect(split.scan(bytes("0\r\nX-A"), 0)).toBe(-1);
  expect(split.cut).toBe(3);
  expect(split.scan(bytes(": 1\r\n\r\n"), 0)).toBe(7);
  expect(split.cut).toBe(0);
});

import { expect, test } from "bun:test";
import { RequestBody } from "../../src/front/request-body.ts";
import { BadHead } from "../../src/front/request-check.ts";
import { readFastHead } from "../../src/front/request-head.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");
const lengthHead = (n: number) => readFastHead(`POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: ${n}\r\n\r\n`);
const chunkedHead = () => readFastHead("POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n");
const NEXT = "GET /next HTTP/1.1\r\n";

function refusal(body: RequestBody, read: string): BadHead {
  try {
    body.take(bytes(read), 0);
  } catch (e) {
    expect(e).toBeInstanceOf(BadHead);
    return e as BadHead;
  }
  throw new Error("take did not throw");
}

test("a Content-Length body ends at its length; what follows in the read is the next request", () => {
  const b = new RequestBody(lengthHead(8), undefined);
  expect([b.take(bytes("abc"), 0), b.done, b.bytes]).toEqual([3, false, 3]);
  const last = bytes(`defgh${NEXT}`);
  expect([b.take(last, 0), b.done, b.bytes]).toEqual([5, true, 8]);
});

test("a read that starts past an offset counts only from it", () => {
  const b = new RequestBody(lengthHead(4), undefined);
  expect([b.take(bytes("HEADab"), 4), b.bytes, b.done]).toEqual([6, 2, false]);
  expect([b.take(bytes("cd"), 0), b.bytes, b.done]).toEqual([2, 4, true]);
});

test("a chunked body passes as received, extensions and trailers included, and ends after its last chunk", () => {
  const b = new RequestBody(chunkedHead(), undefined);
  expect([b.take(bytes("5;x=y\r\nhel"), 0), b.done]).toEqual([10, false]);
  const rest = "lo\r\n0\r\nT: v\r\n\r\n";
  expect([b.take(bytes(rest + NEXT), 0), b.done, b.bytes]).toEqual([rest.length, true, 10 + rest.length]);
});

test("malformed chunking is a 400", () => {
  const e = refusal(new RequestBody(chunkedHead(), undefined), "zz\r\n");
  expect([e.message, e.kind]).toEqual(["400 Bad Request: malformed chunk size", "bad_request"]);
  expect(refusal(new RequestBody(chunkedHead(), undefined), "2\r\nabc\r\n").message).toBe("400 Bad Request: chunk data longer than its size");
});

test("a chunked body is refused with 413 at the size line that takes it past maxBodySize", () => {
  const b = new RequestBody(chunkedHead(), 5);
  expect(b.max).toBe(5);
  expect([b.take(bytes("3\r\nabc\r\n2\r\nde\r\n"), 0), b.done]).toEqual([15, false]); // exactly 5: allowed
  const e = refusal(b, "1\r\n"); // refused before its data arrives
  expect([e.message, e.kind]).toEqual(["413 Content Too Large: the body exceeds 5 bytes", "too_large"]);
});

test("a chunked body within maxBodySize ends as without one", () => {
  const b = new RequestBody(chunkedHead(), 5);
  expect([b.take(bytes(`5\r\nhello\r\n0\r\n\r\n${NEXT}`), 0), b.done]).toEqual([15, true]);
});

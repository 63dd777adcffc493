import { expect, test } from "bun:test";
import { WriteQueue } from "../../src/front/write-queue.ts";

function sock(room: number) {
  const out: string[] = [];
  const s = { room, write(b: Uint8Array) { const n = Math.min(b.byteLength, s.room); s.room -= n; if (n) out.push(Buffer.from(b.subarray(0, n)).toString()); return n; } };
  return { s, out };
}

test("what fits goes out at once; the rest waits, in order, for flush", () => {
  const { s, out } = sock(3);
  const q = new WriteQueue(s);
  expect(q.send(Buffer.from("abcdef"))).toBe(false);
  expect(q.send(Buffer.from("gh"))).toBe(false);
  expect(q.empty).toBe(false);
  s.room = 4;
  expect(q.flush()).toBe(false);
  s.room = 100;
  expect(q.flush()).toBe(true);
  expect(out.join("")).toBe("abcdefgh");
  expect(q.send(Buffer.from("i"))).toBe(true);
});

test("a queued buffer is a copy: the caller may reuse its own", () => {
  const { s, out } = sock(0);
  const q = new WriteQueue(s);
  const b = Buffer.from("xy");
  q.send(b);
  b.fill(0);
  s.room = 10;
  q.flush();
  expect(out.join("")).toBe("xy");
});

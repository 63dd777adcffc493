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

test("what waits is the caller's bytes, not a copy: a partial write queues the rest of the same buffer", () => {
  const taken: Uint8Array[] = [];
  const s = { room: 2, write(b: Uint8Array) { taken.push(b); const n = Math.min(b.byteLength, s.room); s.room -= n; return n; } };
  const q = new WriteQueue(s);
  const b = Buffer.from("abcdef");
  expect(q.send(b)).toBe(false);
  s.room = 10;
  expect(q.flush()).toBe(true);
  expect(taken[1]!.buffer).toBe(b.buffer); // the rest, "cdef", is a view of b
  expect(Buffer.from(taken[1]!).toString()).toBe("cdef");
});

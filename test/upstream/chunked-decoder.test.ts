import { describe, expect, test } from "bun:test";
import { ChunkedDecoder } from "../../src/upstream/chunked-decoder.ts";

/** Feeds `text` split at every given offset; returns decoded text and end offset in the last piece. */
function decode(text: string, splits: number[] = []) {
  const d = new ChunkedDecoder();
  let out = "";
  let end = -1;
  const bytes = Buffer.from(text, "latin1");
  const cuts = [0, ...splits, bytes.length];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const piece = bytes.subarray(cuts[i], cuts[i + 1]);
    end = d.feed(piece, 0, (b) => (out += Buffer.from(b).toString("latin1")));
    if (end !== -1) break;
  }
  return { out, end, done: d.done };
}

describe("ChunkedDecoder", () => {
  const msg = "4;ext=1\r\nWiki\r\nA \r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";

  test("decodes chunks, skips extensions and trailers, reports the end", () => {
    const r = decode(msg);
    expect(r.out).toBe("Wiki0123456789");
    expect(r.done).toBe(true);
    expect(msg.slice(r.end)).toBe("NEXT");
  });

  test("byte-by-byte feeding gives the same result", () => {
    const splits = Array.from({ length: msg.length - 5 }, (_, i) => i + 1);
    const r = decode(msg.slice(0, -4), splits);
    expect(r.out).toBe("Wiki0123456789");
    expect(r.done).toBe(true);
  });

  test("incomplete message is not done", () => {
    const r = decode("5\r\nhello\r\n");
    expect(r).toEqual({ out: "hello", end: -1, done: false });
  });

  test("uppercase hex and bare LF line endings", () => {
    expect(decode("B\nhello world\n0\n\n").out).toBe("hello world");
  });

  for (const [name, text] of [
    ["missing size", "\r\nabc\r\n0\r\n\r\n"],
    ["non-hex size", "g\r\n"],
    ["size overflow", "fffffffffffffff\r\n"],
    ["data longer than size", "3\r\nabcd\r\n0\r\n\r\n"],
    ["CR without LF", "3\rabc"],
  ] as const) {
    test(`rejects ${name}`, () => {
      expect(() => decode(text)).toThrow(/malformed chunked body/);
    });
  }
});

import { describe, expect, test } from "bun:test";
import { parseDuration, parseSize } from "../../src/config/units.ts";

describe("parseDuration", () => {
  test("each unit becomes milliseconds", () => {
    const cases: [string, number][] = [
      ["250ms", 250],
      ["0ms", 0],
      ["5s", 5_000],
      ["1.5s", 1_500],
      ["5m", 300_000],
      ["1h", 3_600_000],
      ["0.5h", 1_800_000],
      [" 2s ", 2_000],
    ];
    for (const [text, ms] of cases) expect([text, parseDuration(text)]).toEqual([text, ms]);
  });

  test("rounds fractional milliseconds", () => {
    expect(parseDuration("1.4ms")).toBe(1);
    expect(parseDuration("0.0015s")).toBe(2);
  });

  test("junk is rejected", () => {
    for (const text of ["", "5", "s", "5 s", "5sec", "5S", "-5s", "+5s", "5d", "1e3ms", ".5s", "5.s", "5s5", "ms5", "5mss", "Infinitys", "NaNms"]) {
      expect([text, parseDuration(text)]).toEqual([text, undefined]);
    }
  });
});

describe("parseSize", () => {
  test("bare numbers are bytes", () => {
    expect(parseSize("1024")).toBe(1024);
    expect(parseSize("0")).toBe(0);
    expect(parseSize("10B")).toBe(10);
  });

  test("k/m/g are powers of 1024 in every spelling, case-insensitive", () => {
    const cases: [string, number][] = [
      ["512k", 512 * 1024],
      ["512K", 512 * 1024],
      ["1KB", 1024],
      ["1kb", 1024],
      ["1KiB", 1024],
      ["100MB", 100 * 1024 ** 2],
      ["100 MB", 100 * 1024 ** 2],
      ["2m", 2 * 1024 ** 2],
      ["1MiB", 1024 ** 2],
      ["1GB", 1024 ** 3],
      ["1g", 1024 ** 3],
      ["1GiB", 1024 ** 3],
      ["1.5KB", 1536],
      [" 3k ", 3072],
    ];
    for (const [text, bytes] of cases) expect([text, parseSize(text)]).toEqual([text, bytes]);
  });

  test("fractions of a byte are floored", () => {
    expect(parseSize("1.9")).toBe(1);
    expect(parseSize("0.001KB")).toBe(1);
  });

  test("junk is rejected", () => {
    for (const text of ["", "MB", "-1MB", "1TB", "1 M B", "1MBs", "1e6", "ten", "1,000", "0x10", "1.MB", ".5MB", "1 2MB"]) {
      expect([text, parseSize(text)]).toEqual([text, undefined]);
    }
  });
});

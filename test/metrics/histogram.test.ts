import { expect, test } from "bun:test";
import { Histogram } from "../../src/metrics/histogram.ts";

test("observations land in the first bucket whose bound they do not exceed; quantiles interpolate", () => {
  const h = new Histogram([0.01, 0.1, 1]);
  expect(h.quantile(0.5)).toBeNull();
  for (const s of [0.005, 0.01, 0.05, 0.05, 2]) h.observe(s);
  expect([...h.counts]).toEqual([2, 2, 0, 1]);
  expect(h.count).toBe(5);
  expect(h.sum).toBeCloseTo(2.115);
  expect(h.quantile(0.5)).toBeCloseTo(0.0325); // rank 2.5: half way through (0.01, 0.1]
  expect(h.quantile(0.99)).toBe(1); // past the last bound: the last bound
});

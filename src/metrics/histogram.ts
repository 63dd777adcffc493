/**
 * Fixed-bucket latency histograms (Prometheus `le` buckets, in seconds). The counts live in a
 * Float64Array made once per member or route, so observing a request never allocates.
 * counts[i] holds observations <= bounds[i] and > bounds[i-1]; the last slot is +Inf.
 */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

export class Histogram {
  readonly bounds: readonly number[];
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[] = DEFAULT_BUCKETS) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > b[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  /**
   * Estimated quantile (0..1), interpolated linearly inside the bucket as Prometheus'
   * histogram_quantile does; null with no observations. Above the last bound: that bound.
   */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i]!;
      if (c > 0 && seen + c >= rank) {
        if (i >= this.bounds.length) return this.bounds[this.bounds.length - 1] ?? null;
        const lo = i === 0 ? 0 : this.bounds[i - 1]!;
        const hi = this.bounds[i]!;
        return lo + (hi - lo) * ((rank - seen) / c);
      }
      seen += c;
    }
    return this.bounds[this.bounds.length - 1] ?? null;
  }
}

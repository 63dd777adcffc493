/**
 * `--workers`: the summed /metrics counters never go down. A restarted worker counts from 0
 * again, and a worker that misses a scrape would drop out of the sum; either way the sum would
 * fall, which Prometheus reads as a counter reset, so rate() and increase() would count the
 * whole total again (a spike on every dashboard). The supervisor keeps each worker's last
 * counters: a worker that does not answer counts with them, and when a worker answers under a
 * new pid, what its predecessor had counted is carried into every later sum. Gauges are never
 * carried: a gone worker has nothing in flight. Counts made between a worker's last scrape and
 * its death are lost, as they would be with one process that restarts.
 */
import { sumExposition } from "./sum-exposition.ts";

/** One worker's /metrics page, with the pid that served it. */
export interface WorkerPage { index: number; pid: number | undefined; page: string }

export class CounterCarry {
  /** By worker index: the pid and the counters of its last page. */
  readonly #last = new Map<number, { pid: number | undefined; counters: string }>();
  /** What workers that have since restarted had counted, summed. */
  #carried = "";

  /**
   * The pages to sum, in this order: the answers (a gauge shared by all workers is taken from
   * the first), then the last counters of each worker in `missing`, then the carried counts.
   */
  pages(answers: readonly WorkerPage[], missing: readonly number[]): string[] {
    for (const a of answers) {
      const before = this.#last.get(a.index);
      if (before && before.pid !== a.pid) this.#carry(before.counters);
      this.#last.set(a.index, { pid: a.pid, counters: countersOnly(a.page) });
    }
    const held = missing.flatMap((i) => {
      const c = this.#last.get(i)?.counters;
      return c === undefined ? [] : [c];
    });
    return [...answers.map((a) => a.page), ...held, ...(this.#carried ? [this.#carried] : [])];
  }

  #carry(counters: string): void {
    this.#carried = this.#carried ? sumExposition([this.#carried, counters]) : counters;
  }
}

/** The counter and histogram families of a page (Prometheus text format 0.0.4), HELP and TYPE kept. */
export function countersOnly(page: string): string {
  const out: string[] = [];
  let keep = false;
  let help: string | undefined;
  for (const line of page.split("\n")) {
    if (line.startsWith("# HELP ")) {
      help = line;
      continue;
    }
    const type = /^# TYPE \S+ (\S+)/.exec(line);
    if (type) {
      keep = type[1] === "counter" || type[1] === "histogram";
      if (keep && help !== undefined) out.push(help);
      if (keep) out.push(line);
      help = undefined;
      continue;
    }
    if (keep && line !== "" && !line.startsWith("#")) out.push(line);
  }
  return out.length ? out.join("\n") + "\n" : "";
}

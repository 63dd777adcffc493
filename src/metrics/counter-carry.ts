/**
 * `--workers`: the summed /metrics counters never go down. A restarted worker counts from 0
 * again, and a worker that misses a scrape would drop out of the sum; either way the sum would
 * fall, which Prometheus reads as a counter reset, so rate() and increase() would count the
 * whole total again (a spike on every dashboard). The supervisor keeps each worker's last
 * counters: a worker that does not answer counts with them, and when a worker answers under a
 * new pid, what its predecessor had counted is carried into every later sum. Gauges are never
 * carried: a gone worker has nothing in flight. Counts made between a worker's last scrape and
 * its death are lost, as they would be with one process that restarts. A counter every worker
 * counts alike (reloads: the highest is taken, not the sum) continues in the worker that
 * replaces one: its predecessor's count is added to its own, so the highest stays right.
 */
import { SHARED_COUNTERS, sumExposition } from "./sum-exposition.ts";

/** One worker's /metrics page, with the pid that served it. */
export interface WorkerPage { index: number; pid: number | undefined; page: string }

export class CounterCarry {
  /** By worker index: the pid and the counters of its last page. */
  readonly #last = new Map<number, { pid: number | undefined; counters: string }>();
  /** What workers that have since restarted had counted, summed. */
  #carried = "";
  /** By worker index: the shared counters its predecessors had reached, added to its own. */
  readonly #shared = new Map<number, Map<string, number>>();

  /**
   * The pages to sum, in this order: the answers (a gauge shared by all workers is taken from
   * the first), then the last counters of each worker in `missing`, then the carried counts.
   */
  pages(answers: readonly WorkerPage[], missing: readonly number[]): string[] {
    const pages = answers.map((a) => {
      const before = this.#last.get(a.index);
      if (before && before.pid !== a.pid) {
        this.#carry(before.counters);
        this.#shared.set(a.index, sharedValues(before.counters));
      }
      const page = withShared(a.page, this.#shared.get(a.index));
      this.#last.set(a.index, { pid: a.pid, counters: countersOnly(page) });
      return page;
    });
    const held = missing.flatMap((i) => {
      const c = this.#last.get(i)?.counters;
      return c === undefined ? [] : [c];
    });
    return [...pages, ...held, ...(this.#carried ? [this.#carried] : [])];
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

/** Each sample of a shared counter on `page`, by its name and labels. */
function sharedValues(page: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of page.split("\n")) {
    const cut = line.lastIndexOf(" ");
    const key = line.slice(0, cut);
    if (SHARED_COUNTERS.has(key.split("{", 1)[0]!)) out.set(key, Number(line.slice(cut + 1)));
  }
  return out;
}

/** `page` with `add` added to its shared counters' samples (a series only `add` has is written too). */
function withShared(page: string, add: Map<string, number> | undefined): string {
  if (!add?.size) return page;
  const left = new Map(add);
  const lines = page.split("\n").map((line) => {
    const cut = line.lastIndexOf(" ");
    const key = line.slice(0, cut);
    const more = left.get(key);
    if (more === undefined || line.startsWith("#")) return line;
    left.delete(key);
    return `${key} ${Number(line.slice(cut + 1)) + more}`;
  });
  for (const [key, v] of left) {
    const at = lines.findIndex((l) => l.startsWith(`# TYPE ${key.split("{", 1)[0]} `));
    if (at >= 0) lines.splice(at + 1, 0, `${key} ${v}`);
  }
  return lines.join("\n");
}

/**
 * `--workers`: one JSON answer of the admin API (status, pools, a member) from every worker's.
 * The first worker's answer is the shape; counters add over the workers; latency quantiles
 * take the highest worker's (the quantile of all requests is at most that, so it is an upper
 * bound, never an understatement); health takes the worst worker's view (each worker checks
 * its members itself), so an ejection anywhere shows; startedAt is the earliest worker's.
 */

const SUMMED = new Set(["inFlight", "requests", "errors", "bytesIn", "bytesOut"]);
const HEALTH_RANK: Record<string, number> = { up: 0, ejected: 1, down: 2 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `answers` in worker order, all of the same endpoint. */
export function mergeJson(answers: readonly unknown[], key?: string): unknown {
  const first = answers[0];
  if (typeof first === "number" && key !== undefined && SUMMED.has(key)) {
    return answers.reduce<number>((sum, v) => sum + (typeof v === "number" ? v : 0), 0);
  }
  if (key === "latency" && isObj(first)) {
    return Object.fromEntries(Object.keys(first).map((q) => [q, highest(answers.map((a) => (isObj(a) ? a[q] : null)))]));
  }
  // The proxy started when its first worker did: a restarted worker's later start is not the proxy's.
  if (key === "startedAt" && typeof first === "string") return answers.filter((a): a is string => typeof a === "string").sort()[0];
  if (key === "health" && isObj(first)) {
    return answers.filter(isObj).reduce((worst, h) => ((HEALTH_RANK[h.status as string] ?? 0) > (HEALTH_RANK[worst.status as string] ?? 0) ? h : worst));
  }
  if (Array.isArray(first)) {
    return first.map((el, i) => mergeJson(answers.map((a) => (Array.isArray(a) ? counterpart(a, el, i) : undefined)).filter((x) => x !== undefined)));
  }
  if (isObj(first)) {
    return Object.fromEntries(Object.entries(first).map(([k]) => [k, mergeJson(answers.map((a) => (isObj(a) ? a[k] : undefined)).filter((x) => x !== undefined), k)]));
  }
  return first;
}

/** The same element in another worker's array: members by url, routes and pools by name. */
function counterpart(arr: unknown[], el: unknown, i: number): unknown {
  for (const id of ["url", "name"]) {
    if (isObj(el) && typeof el[id] === "string") return arr.find((x) => isObj(x) && x[id] === el[id]);
  }
  return arr[i];
}

function highest(values: unknown[]): number | null {
  const nums = values.filter((v): v is number => typeof v === "number");
  return nums.length ? Math.max(...nums) : null;
}

/**
 * The one place an exchange's end is counted, called beside its access line by every request
 * path. Only plain number fields and preallocated histograms are touched: a status code seen
 * for the first time on a route/member adds one Map entry, later requests only bump it.
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimeRoute } from "../config/runtime.ts";
import type { AccessLog } from "../log/access.ts";

/**
 * False only in a build made with `--define process.env.EDGE_PROXY_COUNTING='"off"'`, which
 * the metrics A/B bench (scripts/bench/metrics-ab.ts) compares with the normal one. The
 * bundler folds the comparison to a constant, so in either build no check is left to run.
 */
export const COUNTING = process.env.EDGE_PROXY_COUNTING !== "off";

/** `bytesIn`: request body bytes from the client; `bytesOut`: response body bytes to it. */
export function recordExchange(route: RuntimeRoute, member: Member | undefined, status: number, bytesIn: number, bytesOut: number, durationMs: number): void {
  if (!COUNTING) return;
  const r = route.stats;
  const seconds = durationMs / 1000;
  r.requests++;
  r.bytesIn += bytesIn;
  r.bytesOut += bytesOut;
  r.latency.observe(seconds);
  const key = member ?? null;
  let byCode = r.codes.get(key);
  if (byCode === undefined) r.codes.set(key, (byCode = new Map()));
  byCode.set(status, (byCode.get(status) ?? 0) + 1);
  if (member === undefined) return;
  member.requests++;
  if (status >= 500) member.errors++;
  member.bytesIn += bytesIn;
  member.bytesOut += bytesOut;
  member.latency.observe(seconds);
}

/** Requests answered before routing, by status: slot `code` holds the count (made once, never grown). */
export type RefusalCounts = Float64Array;
export const refusalCounts = (): RefusalCounts => new Float64Array(600);

export function recordRefusal(counts: RefusalCounts, status: number): void {
  if (COUNTING && status >= 100 && status < 600) counts[status]!++;
}

/**
 * The access log, counting on the way the requests refused before routing: the parser's
 * 400/405/408/413/417/431/505 and "no route" 404s. The engine logs them with route "-", and
 * they have no route to be counted under.
 */
export function countRefusals(counts: RefusalCounts, log: AccessLog): AccessLog {
  if (!COUNTING) return log;
  return (e) => {
    if (e.route === "-") recordRefusal(counts, e.status);
    log(e);
  };
}

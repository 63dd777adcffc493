/**
 * The one place an exchange's end is counted, called beside its access line by every request
 * path. Only plain number fields and preallocated histograms are touched: a status code seen
 * for the first time on a route/member adds one Map entry, later requests only bump it.
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimeRoute } from "../config/runtime.ts";

/** `bytesIn`: request body bytes from the client; `bytesOut`: response body bytes to it. */
export function recordExchange(route: RuntimeRoute, member: Member | undefined, status: number, bytesIn: number, bytesOut: number, durationMs: number): void {
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

/**
 * What a failed try before the response head means, as proxy/forward.ts decides it for the
 * spine: the log reason, whether another member may be tried (a connection never made: any
 * method; after that, a response timeout included: idempotent methods, as NGINX's
 * proxy_next_upstream error timeout), and the client's answer (504 for timeouts, else 502).
 */
import type { Member } from "../balancer/member.ts";
import type { ProxyErrorKind } from "../proxy/errors.ts";
import { ConnectError, UpstreamError } from "../upstream/errors.ts";

/** RFC 9110 9.2.2: safe to repeat. */
export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

export interface TryFailure {
  reason: string;
  retryable: boolean;
  answer: [ProxyErrorKind, string];
}

export function tryFailure(e: Error, connected: boolean, method: string, member: Member, pool: string): TryFailure {
  const timedOut = e instanceof UpstreamError && e.code === "ETIMEDOUT";
  const connectTimeout = e instanceof ConnectError && e.code === "ETIMEDOUT";
  return {
    reason: timedOut ? e.message : e instanceof ConnectError ? `connect failed: ${e.message}` : `upstream error: ${e.message}`,
    retryable: !connected || IDEMPOTENT.has(method),
    answer: timedOut ? ["timeout", `504 Gateway Timeout: ${member.origin} did not answer in time`]
      : connectTimeout ? ["timeout", `504 Gateway Timeout: could not connect to a member of pool ${pool} in time`]
      : ["upstream", `502 Bad Gateway: upstream error from pool ${pool}`],
  };
}

/**
 * The one retry rule and the error answers of a try: what a failed try before the response
 * head means: the log reason, whether another member may be tried (a connection never made: any
 * method; after that, a response timeout included: idempotent methods, as NGINX's
 * proxy_next_upstream error timeout), and the client's answer: 504 for a response timeout (the
 * member has the request), else 502, a connect timeout included (routes-json: a request that
 * never reached an upstream and failed every try is 502; NGINX says 504 there, Apache 503).
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimePool } from "../config/runtime.ts";
import type { ProxyErrorKind } from "../proxy/errors.ts";
import { ConnectError, tlsAlertReason, UpstreamError } from "../upstream/errors.ts";

/** RFC 9110 9.2.2: safe to repeat. */
export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

export interface TryFailure {
  reason: string;
  retryable: boolean;
  answer: [ProxyErrorKind, string];
}

export function tryFailure(e: Error, connected: boolean, method: string, pool: string): TryFailure {
  const timedOut = e instanceof UpstreamError && e.code === "ETIMEDOUT";
  const connectTimeout = e instanceof ConnectError && e.code === "ETIMEDOUT";
  return {
    // TLS 1.2 members alert during the handshake (a connect failure), TLS 1.3 ones after it.
    reason: timedOut ? e.message : e instanceof ConnectError ? `connect failed: ${tlsAlertReason(e.message)}` : `upstream error: ${tlsAlertReason(e.message)}`,
    retryable: !connected || IDEMPOTENT.has(method),
    // The member stays out of the answer (its address is the operator's, in the log), as the 502 says.
    answer: timedOut ? ["timeout", `504 Gateway Timeout: a member of pool ${pool} did not answer in time`]
      : connectTimeout ? ["upstream", `502 Bad Gateway: could not connect to a member of pool ${pool} in time`]
      : ["upstream", `502 Bad Gateway: upstream error from pool ${pool}`],
  };
}

/**
 * The answer when the pool offers no member for a try: 502 when every member that could take
 * it failed; 503 when none is available, or when one is but the request may not go there (a
 * sticky session whose member failed, with `failover: false`, as Apache nofailover=On).
 */
export function noMember(pool: RuntimePool, tried: ReadonlySet<Member>): [ProxyErrorKind, string] {
  // The balancer offers any available member it was not told to skip; one left over means the
  // session bound the request elsewhere, on the first try (its member was down) or a later one.
  if (pool.pool.members.some((m) => m.available() && !tried.has(m))) {
    return ["unavailable", `503 Service Unavailable: the session's member of pool ${pool.name} is unavailable and failover is off`];
  }
  if (tried.size === 0) return ["unavailable", `503 Service Unavailable: no member of pool ${pool.name} is available`];
  return ["upstream", `502 Bad Gateway: every member of pool ${pool.name} that was tried failed`];
}

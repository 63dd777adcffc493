/**
 * Step 3: send the exchange to a member of the route's pool, retrying on another member when
 * the connection was never established (Apache and HAProxy `retry-on conn-failure`: nothing
 * was sent, so any method is safe), and for idempotent methods without a body also when the
 * upstream failed before any response byte (NGINX `proxy_next_upstream error`, which never
 * re-sends POST/PATCH). Statuses: 503 when no member is available, 502 when the
 * upstream failed, 504 when it did not answer within the response timeout.
 */
import { clientScheme } from "../rewrite/reverse.ts";
import type { Member } from "../balancer/member.ts";
import type { RuntimePool } from "../config/runtime.ts";
import type { EventLog } from "../log/events.ts";
import type { Deadlines } from "./deadlines.ts";
import { errorResponse, UpstreamTimeout, type ProxyErrorKind } from "./errors.ts";
import type { Exchange, PickInput } from "./exchange.ts";
import { ConnectFailure, RequestBodyFailure } from "./transport.ts";
import { Cancel } from "./cancel.ts";
import { headersFor, prepareHeaders, upstreamTarget } from "./upstream-request.ts";

export interface ForwardDeps {
  deadlines: Deadlines;
  events: EventLog;
  isTrustedProxy: (ip: string) => boolean;
  choose: (pool: RuntimePool, x: PickInput, tried: ReadonlySet<Member>) => Member | undefined;
  /** Passive health: what happened on one try. */
  outcome: (pool: RuntimePool, member: Member, ok: boolean, reason: string) => void;
}

const NONE_TRIED: Set<Member> = new Set();

/** RFC 9110 9.2.2: safe to repeat, so a failed try may go to another member. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

export interface Forwarded { res: Response; member: Member; abort: Cancel }

export async function forward(x: Exchange, pool: RuntimePool, body: ReadableStream<Uint8Array> | null, deps: ForwardDeps): Promise<Forwarded | Response> {
  let tried: Set<Member> = NONE_TRIED; // allocated only when a try fails
  const timeouts = x.route.timeouts;
  const trusted = deps.isTrustedProxy(x.clientIp);
  x.clientScheme = clientScheme(x.scheme, trusted, x.req.headers.get("x-forwarded-proto"));
  const base = prepareHeaders(x, trusted);
  let timedOut: Response | undefined; // NGINX answers with the last try's error: a timeout stays 504
  for (let attempt = 0; ; attempt++) {
    const member = chooseMember(pool, x, tried, deps);
    if (member instanceof Response) return timedOut ?? member;
    // The client going away while we wait for the head is noticed when the response is written
    // (the body's cancel aborts the upstream); listening on req.signal costs ~7% per request.
    const abort = new Cancel();
    const watch = deps.deadlines.watch(timeouts.response, () => abort.abort(new UpstreamTimeout("response")));
    member.begin();
    try {
      const res = await pool.transports.get(member)!.send({
        method: x.method,
        target: upstreamTarget(x, member),
        headers: headersFor(x, base, member),
        body,
        signal: abort,
        connectTimeoutMs: timeouts.connect,
      });
      deps.deadlines.clear(watch);
      return { res, member, abort };
    } catch (e) {
      deps.deadlines.clear(watch);
      member.end(0);
      // The handler turns this into 413 when maxBodySize cut the body.
      if (e instanceof RequestBodyFailure) {
        // The member took the connection; the client's body failed. Reporting success also
        // releases a passive-health trial that this request may have been.
        deps.outcome(pool, member, true, "request body failed on the client side");
        return errorResponse("bad_request", "400 Bad Request: the request body could not be read");
      }
      const reason = describe(e, abort);
      if (e instanceof ConnectFailure) member.connectFailures++;
      deps.outcome(pool, member, false, reason);
      if (tried === NONE_TRIED) tried = new Set();
      tried.add(member);
      const bodyUntouched = body === null || !body.locked;
      // NGINX proxy_next_upstream error timeout: a member that did not answer in time is no
      // reason to fail an idempotent request another member can answer.
      const retryable = e instanceof ConnectFailure ? bodyUntouched : body === null && IDEMPOTENT.has(x.method);
      timedOut = abort.reason instanceof UpstreamTimeout ? errorResponse("timeout", `504 Gateway Timeout: ${member.origin} did not answer in time`) : undefined;
      if (retryable && attempt < pool.retries) {
        pool.stats.retries++;
        deps.events("warn", `pool=${pool.name} member=${member.origin} ${reason}; retrying on another member`);
        continue;
      }
      deps.events("error", `pool=${pool.name} member=${member.origin} ${reason}`);
      if (abort.reason instanceof UpstreamTimeout) return errorResponse("timeout", `504 Gateway Timeout: ${member.origin} did not answer in time`);
      if (e instanceof ConnectFailure && e.code === "ETIMEDOUT") return errorResponse("timeout", `504 Gateway Timeout: could not connect to a member of pool ${pool.name} in time`);
      return errorResponse("upstream", `502 Bad Gateway: upstream error from pool ${pool.name}`);
    }
  }
}

/** The member for the next try, or the answer when none is left: 503 if none was available, 502 if all failed. */
export function chooseMember(pool: RuntimePool, x: Exchange, tried: ReadonlySet<Member>, deps: Pick<ForwardDeps, "choose">): Member | Response {
  const member = deps.choose(pool, x, tried);
  if (!member) return errorResponse(...noMember(pool, tried));
  x.pool = pool.name;
  x.member = member.origin;
  x.chosen = member;
  return member;
}

/**
 * The answer when the pool offers no member for a try: 502 when every member that could take
 * it failed; 503 when none is available, or when one is but the request may not go there (a
 * sticky session whose member failed, with `failover: false`, as Apache nofailover=On; see docs/configuration.md).
 */
export function noMember(pool: RuntimePool, tried: ReadonlySet<Member>): [ProxyErrorKind, string] {
  if (tried.size === 0) return ["unavailable", `503 Service Unavailable: no member of pool ${pool.name} is available`];
  if (pool.pool.members.some((m) => m.available() && !tried.has(m))) {
    return ["unavailable", `503 Service Unavailable: the session's member of pool ${pool.name} is unavailable and failover is off`];
  }
  return ["upstream", `502 Bad Gateway: every member of pool ${pool.name} that was tried failed`];
}

function describe(e: unknown, signal: Cancel): string {
  if (signal.reason instanceof UpstreamTimeout) return signal.reason.message;
  if (e instanceof ConnectFailure) return `connect failed: ${e.message}`;
  return `upstream error: ${(e as Error)?.message ?? String(e)}`;
}

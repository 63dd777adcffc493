/**
 * What an exchange (fast-exchange.ts) and the connection it runs on (client-conn.ts) see of
 * each other, and what the composition hands the engine (listen.ts): interfaces only.
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimePool } from "../config/runtime.ts";
import type { AccessLog } from "../log/access.ts";
import type { EventLog } from "../log/events.ts";
import type { Deadlines } from "../proxy/deadlines.ts";
import type { MemberLane } from "./upstream-lane.ts";

/** An upgraded exchange: the client's bytes are its, as they come. */
export interface UpgradedExchange {
  fromClient(d: Uint8Array): void;
}

/** An exchange streaming the client's request body: it takes the body's part of each read and hands back the rest. */
export interface StreamingExchange {
  requestData(d: Buffer): Buffer | undefined;
}

export interface ClientLink {
  readonly ip: string;
  /** The client is a trusted proxy (trustedProxies): its X-Forwarded-* are kept. */
  readonly trusted: boolean;
  /** Writes or queues bytes for the client; false when some had to be queued (backpressure). */
  send(bytes: Uint8Array): boolean;
  /** The exchange is over; without keep-alive the connection closes once its bytes are out. */
  done(keepAlive: boolean): void;
  /** Cuts the connection: a truncated body must not look complete. */
  abort(): void;
  pauseReading(): void;
  resumeReading(): void;
  /** After a 101: every later client byte goes to `x.fromClient`. */
  upgraded(x: UpgradedExchange): void;
  /** The member connection is ready for a streamed body: client bytes go to `x.requestData`. */
  streamBody(x: StreamingExchange): void;
  /** The streamed body is complete: later bytes are the next request. */
  bodyEnded(): void;
}

/** What choosing a member may read of a request (sticky sessions, ip-hash). */
export interface PickInput {
  clientIp: string;
  rawTarget: string;
  cookie: string | null;
}

export interface FastDeps {
  /** Asked once per connection (client-conn.ts), not per request. */
  isTrustedProxy: (ip: string) => boolean;
  choose: (pool: RuntimePool, x: PickInput, tried: ReadonlySet<Member>) => Member | undefined;
  /** Passive health: what happened on one try. */
  outcome: (pool: RuntimePool, member: Member, ok: boolean, reason: string) => void;
  /** Sticky sessions' Set-Cookie for a response (health/wire.ts), when the pool has them. */
  stickyCookie?: ((pool: RuntimePool, x: PickInput, member: Member, upstreamHead?: string) => string | undefined) | undefined;
  deadlines: Deadlines;
  /** The WebSocket idle timeout, for upgraded connections (byte-tunnel.ts). */
  wsIdleMs: number;
  events: EventLog;
  access: AccessLog;
  lanes: ReadonlyMap<Member, MemberLane>;
  scheme: "http" | "https";
  /** The port bound (X-Forwarded-Port). */
  port: number;
  /** The port as configured, which routes[].ports name (0 for "any free port"). */
  listenerPort: number;
}

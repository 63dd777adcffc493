/** The compiled, runtime shape of a config: what the request path reads (never raw JSON). */
import type { RouteAuth } from "../auth/route-auth.ts";
import type { Member } from "../balancer/member.ts";
import type { Pool } from "../balancer/pool.ts";
import type { Router } from "../proxy/router.ts";
import type { Dialer } from "../upstream/dial.ts";
import type { HeaderRules } from "../rewrite/header-rules.ts";
import type { ReverseMapper } from "../rewrite/reverse.ts";
import type { Config, ListenerConfig } from "./schema.ts";
import type { PoolStats, Registry, RouteStats } from "../state/registry.ts";

export interface Timeouts { connect: number; response: number; idle: number }

export interface RuntimePool {
  name: string;
  pool: Pool;
  /** Counters kept across reloads (the registry's). */
  stats: PoolStats;
  /** How each member is connected to (TLS settings, session), shared by the engine and probes. */
  dialers: ReadonlyMap<Member, Dialer>;
  retries: number;
  timeouts: Timeouts;
  /** TLS settings for https:// and wss:// members (CA and client certificate as PEM text). */
  upstreamTls?: { rejectUnauthorized: boolean; ca?: string | undefined; serverName?: string | undefined; cert?: string | undefined; key?: string | undefined } | undefined;
  /** Statuses that count as a member failure for passive health (the response is still delivered). */
  failOnStatus: ReadonlySet<number>;
}

export type RouteAction =
  | { kind: "pool"; pool: RuntimePool }
  | { kind: "respond"; status: number; body: string; bodyBytes: number; headers: Record<string, string> }
  | { kind: "redirect"; to: string; status: number; keepPath: boolean };

export interface RuntimeRoute {
  index: number;
  // routes[].name, by default `<host or *><path>` such as "sso.example.com/apim-token" or "*/" (logs, metrics, admin).
  label: string;
  /** Counters kept across reloads, keyed by label (metrics/record.ts bumps them). */
  stats: RouteStats;
  host?: string | undefined;
  path: string;
  action: RouteAction;
  /** Upstream path = rewritePrefix + the part after `path`; undefined keeps the path. */
  rewritePrefix?: string | undefined;
  preserveHost: boolean;
  denyMethods: ReadonlySet<string>;
  maxBodySize?: number | undefined;
  timeouts: Timeouts;
  requestRules?: HeaderRules | undefined;
  responseRules?: HeaderRules | undefined;
  reverse?: ReverseMapper | undefined;
  /** %2F / %5C in the path are served (kept as received) instead of answered 404. */
  allowEncodedSlashes: boolean;
  /** routes[].auth.jwt: src/auth/authorize.ts decides before anything else runs. */
  auth?: RouteAuth | undefined;
  /** routes[].ports: only listeners with these configured ports serve it; undefined: every listener. */
  ports?: ReadonlySet<number> | undefined;
}

/** How long a client may take for a request head, between body bytes, and idle between requests (ms). */
export interface ClientTimeouts { header: number; body: number; keepAlive: number }

export interface Runtime {
  config: Config;
  /** The live members this runtime was compiled against. */
  registry: Registry;
  baseDir: string;
  listeners: readonly ListenerConfig[];
  /** Every route (listing, metrics, start-up summaries). */
  router: Router<RuntimeRoute>;
  /** The routes a listener with this configured port serves: `router` itself when no route names ports. */
  routerFor(port: number): Router<RuntimeRoute>;
  pools: ReadonlyMap<string, RuntimePool>;
  isTrustedProxy: (ip: string) => boolean;
  websocket: { idleTimeoutSec: number; maxMessageSize: number };
  /** How long SIGTERM waits for in-flight requests before closing them (NGINX worker_shutdown_timeout). */
  shutdownTimeoutMs: number;
  clientTimeouts: ClientTimeouts;
  warnings: string[];
  close(): void;
}

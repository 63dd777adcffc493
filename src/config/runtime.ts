/** The compiled, runtime shape of a config: what the request path reads (never raw JSON). */
import type { Member } from "../balancer/member.ts";
import type { Pool } from "../balancer/pool.ts";
import type { Router } from "../proxy/router.ts";
import type { Transport } from "../proxy/transport.ts";
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
  transports: ReadonlyMap<Member, Transport>;
  retries: number;
  timeouts: Timeouts;
  /** TLS settings for https:// and wss:// members (CA as PEM text). */
  upstreamTls?: { rejectUnauthorized: boolean; ca?: string | undefined; serverName?: string | undefined } | undefined;
  /** Statuses that count as a member failure for passive health (the response is still delivered). */
  failOnStatus: ReadonlySet<number>;
}

export type RouteAction =
  | { kind: "pool"; pool: RuntimePool }
  | { kind: "respond"; status: number; body: string; bodyBytes: number; headers: Record<string, string> }
  | { kind: "redirect"; to: string; status: number };

export interface RuntimeRoute {
  index: number;
  label: string;                    // for logs: "sso.example.com/apim-token" or "/"
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
  /** The route may wait longer than Bun.serve's idle timeout can (255 s): turn it off per request. */
  outlastsServerIdle: boolean;
  requestRules?: HeaderRules | undefined;
  responseRules?: HeaderRules | undefined;
  reverse?: ReverseMapper | undefined;
}

export interface Runtime {
  config: Config;
  /** The live members this runtime was compiled against. */
  registry: Registry;
  baseDir: string;
  listeners: readonly ListenerConfig[];
  router: Router<RuntimeRoute>;
  pools: ReadonlyMap<string, RuntimePool>;
  isTrustedProxy: (ip: string) => boolean;
  websocket: { idleTimeoutSec: number; maxMessageSize: number };
  /** How long SIGTERM waits for in-flight requests before closing them (NGINX worker_shutdown_timeout). */
  shutdownTimeoutMs: number;
  warnings: string[];
  close(): void;
}

/** What every connection of one plain listener shares (server/front.ts builds it). */
import type { ClientTimeouts, RuntimePool, RuntimeRoute } from "../config/runtime.ts";
import type { FastDeps } from "./fast-exchange.ts";
import type { LocalAnswer } from "./local-answer.ts";
import type { FastHead } from "./request-head.ts";
import type { TunnelRegistry } from "./tunnel.ts";

export interface FastPlan {
  route: RuntimeRoute;
  pool: RuntimePool;
  path: string;
  canonical: string;
}

export interface FrontContext {
  deps: FastDeps;
  /** The route and pool for a head the lane can serve, or undefined for the spine. */
  plan(head: FastHead): FastPlan | LocalAnswer | undefined;
  registry: TunnelRegistry;
  internalPort: number;
  idleTimeoutSec: number;
  clientTimeouts: ClientTimeouts;
  /** Set when the listener stops: finish what is in flight, then close. */
  stopping: boolean;
}

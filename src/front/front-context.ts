/** What every connection of one listener shares (server/front.ts builds it). */
import type { ClientTimeouts, RuntimePool, RuntimeRoute } from "../config/runtime.ts";
import type { FastDeps } from "./exchange.ts";
import type { LocalAnswer } from "./local-answer.ts";
import type { FastHead } from "./fast-head.ts";

export interface FastPlan {
  route: RuntimeRoute;
  pool: RuntimePool;
  path: string;
  canonical: string;
}

export interface FrontContext {
  deps: FastDeps;
  /** The route and pool for a head, or the proxy's own answer. */
  plan(head: FastHead): FastPlan | LocalAnswer;
  idleTimeoutSec: number;
  clientTimeouts: ClientTimeouts;
  /** Set when the listener stops: finish what is in flight, then close. */
  stopping: boolean;
}

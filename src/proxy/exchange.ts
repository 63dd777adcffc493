/** What the spine knows about one request once it is routed: built once, read by each step. */
import type { RuntimeRoute } from "../config/runtime.ts";
import type { Member } from "../balancer/member.ts";

export interface Exchange {
  req: Request;
  route: RuntimeRoute;
  method: string;
  rawTarget: string;        // path + query as received (for the access log)
  path: string;             // normalized path, encoded as received: what goes upstream
  canonical: string;        // the path routes matched (decoded, parameters dropped; see matchPath)
  query: string;            // "?..." or ""
  hostHeader: string;       // Host as received, port included
  hostName: string;         // lower-case, without port
  clientIp: string;
  scheme: "http" | "https";
  /** The scheme the client used (listener, or a trusted X-Forwarded-Proto); set by forward. */
  clientScheme?: "http" | "https";
  listenerPort: number;
  started: number;          // performance.now() at arrival
  // Filled in by forwarding, for the access log.
  pool: string;
  member: string;
  /** The member chosen last (for metrics/record.ts); unset while none was. */
  chosen?: Member | undefined;
}

/** What choosing a member may read: the fast lane has no Request, only the Cookie header's value. */
export type PickInput = Pick<Exchange, "clientIp" | "rawTarget"> & { req?: Request; cookie?: string | null };

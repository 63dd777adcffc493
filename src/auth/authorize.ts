/**
 * The one auth decision: a route's token is read, verified, and the
 * answer is either the header edits for the member (claims set, incoming copies of those
 * headers removed) or a 401 with the RFC 6750 3 challenge. Every refusal is one log line with
 * its reason; the token is never logged.
 */
import type { EventLog } from "../log/events.ts";
import type { AuthVerdict, RequestFacts, RouteAuth } from "./route-auth.ts";

export interface Authorizable {
  /** The realm and the log's name for the route. */
  label: string;
  auth?: RouteAuth | undefined;
}

const NOTHING: AuthVerdict = { ok: true, remove: [], set: [] };

export async function authorize(route: Authorizable, facts: RequestFacts, log: EventLog): Promise<AuthVerdict> {
  const auth = route.auth;
  if (!auth) return NOTHING;
  const token = auth.token(facts);
  // RFC 6750 3.1: a request without credentials gets the challenge without an error code.
  if (token === undefined) return refuse(route, facts, log, "no token", false);
  const v = await auth.verify(token);
  if (!v.ok) return refuse(route, facts, log, v.reason, true);
  return { ok: true, remove: auth.claimHeaders, set: auth.headersFor(v.claims) };
}

function refuse(route: Authorizable, facts: RequestFacts, log: EventLog, reason: string, sent: boolean): AuthVerdict {
  log("warn", `auth route=${route.label} client=${facts.clientIp} 401: ${reason}`);
  const realm = `Bearer realm="${route.label.replace(/[\\"]/g, "\\$&")}"`;
  return {
    ok: false,
    status: 401,
    challenge: sent ? `${realm}, error="invalid_token"` : realm,
    body: sent ? "401 Unauthorized: the bearer token is not valid here\n" : "401 Unauthorized: a bearer token is required\n",
  };
}

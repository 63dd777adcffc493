/**
 * A route's `auth` on the engine: the token is checked before a member is chosen (authorize.ts,
 * the one decision), then the head's lines get the verdict's edits (incoming copies of the claim
 * headers removed, the claims set) or the client gets the RFC 6750 3 challenge.
 */
import type { RuntimeRoute } from "../config/runtime.ts";
import type { EventLog } from "../log/events.ts";
import { httpDate } from "../proxy/errors.ts";
import { authorize } from "../auth/authorize.ts";
import type { AuthVerdict } from "../auth/route-auth.ts";
import { errorAnswer, LocalAnswer } from "./local-answer.ts";
import type { FastHead } from "./fast-head.ts";
import { withoutFields } from "./head-fields.ts";

/**
 * undefined: the request goes on, `h` edited for the member; else the answer to send: the 401
 * (a key server that cannot be reached is one too, "keys unavailable", as the contract says), or
 * a 503 when the check itself threw, which is logged.
 */
export async function authorizeHead(route: RuntimeRoute, h: FastHead, clientIp: string, events: EventLog): Promise<LocalAnswer | undefined> {
  let verdict: AuthVerdict;
  try {
    verdict = await authorize(route, { authorization: h.authorization, cookie: h.cookie, query: h.query, clientIp }, events);
  } catch (e) {
    events("error", `auth route=${route.label}: ${(e as Error).message}`);
    return errorAnswer("unavailable", "503 Service Unavailable: the token could not be checked", h, route);
  }
  if (!verdict.ok) return unauthorized(verdict, h, route.label);
  if (verdict.remove.length > 0) {
    const names = foldedNames(verdict.remove);
    h.beforeHost = withoutFields(h.beforeHost, names, true);
    h.afterHost = withoutFields(h.afterHost, names, true);
    // A trusted proxy's X-Forwarded-*, Forwarded and X-Real-IP lines wait there: a claim header
    // named like one (X-Forwarded-User) must not reach the member beside the verified value.
    h.trustedOnly = withoutFields(h.trustedOnly, names, true);
  }
  // headersFor admits only field-value text (claims-headers.ts), so the lines cannot be split.
  for (const [name, value] of verdict.set) {
    h.afterHost += `${name}: ${value}\r\n`;
    if (/[^\x00-\x7f]/.test(value)) h.latin1 = true;
  }
  return undefined;
}

/**
 * X_User as well as X-User: a member on a CGI-style stack reads both as the claim's header. The
 * list is the route's own (compiled once), so its folded set is made once, not per request.
 */
const folded = new WeakMap<readonly string[], ReadonlySet<string>>();
function foldedNames(names: readonly string[]): ReadonlySet<string> {
  let set = folded.get(names);
  if (!set) folded.set(names, (set = new Set(names.map((n) => n.toLowerCase().replaceAll("_", "-")))));
  return set;
}

function unauthorized(v: Extract<AuthVerdict, { ok: false }>, h: FastHead, route: string): LocalAnswer {
  const body = Buffer.from(v.body);
  const head = `HTTP/1.1 401 Unauthorized\r\nwww-authenticate: ${v.challenge}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `cache-control: no-store\r\ndate: ${httpDate()}\r\ncontent-length: ${body.byteLength}\r\n${h.close ? "connection: close\r\n" : ""}\r\n`;
  const bytes = h.method === "HEAD" ? Buffer.from(head, "latin1") : Buffer.concat([Buffer.from(head, "latin1"), body]);
  return new LocalAnswer(401, bytes, h.method === "HEAD" ? 0 : body.byteLength, route);
}

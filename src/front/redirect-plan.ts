/**
 * A `redirectHttps` listener on the socket front: every request is answered by the front
 * with a redirect to the same host, path and query on HTTPS (NGINX `return 301
 * https://$host$request_uri`); a request with a body has it read first, or is answered and closed
 * (request-intake.ts), as for any local answer.
 */
import type { RuntimeRoute } from "../config/runtime.ts";
import type { FastLanes } from "./plan.ts";
import { errorAnswer, routeAnswer } from "./local-answer.ts";

export function redirectLanes(opts: { port: number; status: number }): FastLanes {
  const suffix = opts.port === 443 ? "" : `:${opts.port}`;
  const plan: FastLanes["plan"] = (h) => {
    // An HTTP/1.0 request without Host names no host to send the client to.
    if (h.hostName === "") return errorAnswer("bad_request", "400 Bad Request: a redirect to HTTPS needs the Host header", h);
    const to = `https://${h.hostName}${suffix}${h.target}`;
    return routeAnswer({ label: "-", action: { kind: "redirect", to, status: opts.status, keepPath: false } } as RuntimeRoute, h, false);
  };
  return {
    lanes: new Map(),
    plan,
    planFor: () => plan,
    close() {},
  };
}

/**
 * A `redirectHttps` listener on the socket front: every request is answered by the front
 * with a redirect to the same host, path and query on HTTPS (NGINX `return 301
 * https://$host$request_uri`), the spine's redirect-https.ts answer. A head the lane does not
 * read (no valid Host, a body) still goes through the gate to the spine's redirect handler.
 */
import type { RuntimeRoute } from "../config/runtime.ts";
import type { FastLanes } from "./plan.ts";
import { routeAnswer } from "./local-answer.ts";

export function redirectLanes(opts: { port: number; status: number }): FastLanes {
  const suffix = opts.port === 443 ? "" : `:${opts.port}`;
  return {
    lanes: new Map(),
    plan(h) {
      if (h.bodyLength > 0 || h.chunked) return undefined;
      const to = `https://${h.hostName}${suffix}${h.target}`;
      return routeAnswer({ label: "-", action: { kind: "redirect", to, status: opts.status } } as RuntimeRoute, h);
    },
    close() {},
  };
}

/**
 * Step 4: the upstream's response as the client receives it: status, headers and bytes
 * unchanged except hop-by-hop headers removed, ProxyPassReverse mapping, then the route's
 * responseHeaders rules (Apache runs mod_headers after the ProxyPassReverse mapping).
 * The body streams through a pass-through that counts bytes, enforces the idle timeout, and
 * errors (so the server aborts the client connection) if the upstream dies mid-body, instead
 * of ending the body as if it were complete.
 */
import type { Member } from "../balancer/member.ts";
import type { Deadlines } from "./deadlines.ts";
import type { Cancel } from "./cancel.ts";
import type { Exchange } from "./exchange.ts";
import { stripHopByHop } from "./headers.ts";
import { UpstreamTimeout } from "./errors.ts";
import { HeaderValueError } from "../rewrite/header-rules.ts";

/** `error` is null on a complete body, CLIENT_GONE when the client stopped reading, else the upstream's fault. */
export interface BodyDone { (bytes: number, error: unknown): void }

/** The client went away mid-body: says nothing about the member's health (no passive failure). */
export class ClientGone extends Error {
  constructor() {
    super("client went away");
  }
}

/** Edits the upstream response's headers in place (our transports build mutable Responses). */
export function clientHeaders(x: Exchange, res: Response, member: Member): Headers {
  const h = res.headers;
  stripHopByHop(h);
  x.route.reverse?.(h, { scheme: x.clientScheme ?? x.scheme, host: x.hostHeader });
  x.route.responseRules?.(h, { route: x.route.label, member: member.origin, client_ip: x.clientIp, host: x.hostHeader, scheme: x.scheme });
  return h;
}

export { HeaderValueError };

/**
 * Wraps an upstream body. `done` runs exactly once: at the end, on error, or on client cancel.
 * A pull source with highWaterMark 0 reads the upstream only as fast as the client takes bytes,
 * so a slow client never makes the proxy buffer.
 */
export function observeBody(body: ReadableStream<Uint8Array>, idleMs: number, deadlines: Deadlines, abort: Cancel, done: BodyDone): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  let finished = false;
  const finish = (err: unknown) => {
    if (finished) return;
    finished = true;
    deadlines.clear(watch);
    done(bytes, err);
  };
  const watch = deadlines.watch(idleMs, () => {
    const reason = new UpstreamTimeout("idle");
    abort.abort(reason);
    reader.cancel(reason).catch(() => {});
  });
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          finish(null);
          ctrl.close();
          return;
        }
        deadlines.extend(watch, idleMs);
        bytes += value.byteLength;
        ctrl.enqueue(value);
      } catch (e) {
        const err = abort.reason ?? e;
        finish(err);
        ctrl.error(err);
      }
    },
    cancel(reason) {
      finish(new ClientGone());
      abort.abort(reason);
      return reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

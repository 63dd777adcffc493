/**
 * The proxy's own answers: `respond` and `redirect` routes, denyMethods (403), no route or an
 * encoded slash (404), an unusable path (400), as bytes ready for the client's socket.
 */
import type { RuntimeRoute } from "../config/runtime.ts";
import type { AccessEntry } from "../log/access.ts";
import { errorBytes, httpDate, type ProxyErrorKind } from "../proxy/errors.ts";
import { reasonPhrase } from "../proxy/reason-phrase.ts";
import type { FastHead } from "./fast-head.ts";

export class LocalAnswer {
  readonly status: number;
  /** Head and body as sent (a HEAD request gets the head only). */
  readonly bytes: Uint8Array;
  /** Body bytes sent, for the access log. */
  readonly bodyBytes: number;
  /** The route's label, "-" when none matched. */
  readonly route: string;
  /** The route whose counters the answer goes to (metrics/record.ts); none before routing. */
  readonly counted: RuntimeRoute | undefined;

  constructor(status: number, bytes: Uint8Array, bodyBytes: number, route: string, counted?: RuntimeRoute) {
    this.status = status;
    this.bytes = bytes;
    this.bodyBytes = bodyBytes;
    this.route = route;
    this.counted = counted;
  }
}

/** `route`: the matched route, when there is one (a denied method); its label and counters get the answer. */
export function errorAnswer(kind: ProxyErrorKind, detail: string, h: FastHead, route?: RuntimeRoute): LocalAnswer {
  const { status, bytes } = errorBytes(kind, detail, h.close);
  const label = route?.label ?? "-";
  if (h.method !== "HEAD") return new LocalAnswer(status, bytes, bytes.byteLength - headLength(bytes), label, route);
  return new LocalAnswer(status, bytes.subarray(0, headLength(bytes)), 0, label, route);
}

/**
 * A respond or redirect route's answer (RFC 9110 15.3.5/15.4.5: 204 and 304 carry no length);
 * `counted` false for a redirectHttps listener's answer, which has no route of the config.
 */
export function routeAnswer(route: RuntimeRoute, h: FastHead, counted = true, canonical = h.rawPath): LocalAnswer {
  const a = route.action;
  if (a.kind === "pool") throw new Error(`route ${route.label} forwards to a pool: it has no local answer`);
  let head = `HTTP/1.1 ${a.status} ${reasonPhrase(a.status)}\r\n`;
  let body = "";
  if (a.kind === "redirect") head += `location: ${a.keepPath ? keptPath(a.to, canonical.slice(route.path.length), h.query) : a.to}\r\n`;
  else {
    body = a.body;
    let typed = false;
    for (const name in a.headers) {
      head += `${name}: ${a.headers[name]}\r\n`;
      if (name.toLowerCase() === "content-type") typed = true;
    }
    if (!typed && a.status !== 204 && a.status !== 304) head += "content-type: text/plain;charset=utf-8\r\n";
  }
  const length = a.kind === "respond" ? a.bodyBytes : 0;
  head += `date: ${httpDate()}\r\n`;
  if (a.status !== 204 && a.status !== 304) head += `content-length: ${length}\r\n`;
  if (h.close) head += "connection: close\r\n";
  head += "\r\n";
  const bytes = h.method === "HEAD" || length === 0 ? Buffer.from(head, "latin1") : Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body)]);
  return new LocalAnswer(a.status, bytes, h.method === "HEAD" ? 0 : length, route.label, counted ? route : undefined);
}

/**
 * Apache's `Redirect /old https://new/x` sends /old/a?q to https://new/x/a?q: the part of the
 * path after the route's prefix, then the query, joined to `to` with one slash. The path is the
 * normalized one the route matched; it and the query are request-line bytes (no CR, LF or space).
 */
export function keptPath(to: string, rest: string, query: string): string {
  if (rest === "") return to + query;
  const a = to.endsWith("/"), b = rest.startsWith("/");
  return (a && b ? to + rest.slice(1) : a || b ? to + rest : `${to}/${rest}`) + query;
}

function headLength(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf("\r\n\r\n") + 4;
}

export function localEntry(clientIp: string, h: FastHead, a: LocalAnswer, started: number): AccessEntry {
  return {
    clientIp, method: h.method, target: h.target, protocol: h.protocol, status: a.status, bytes: a.bodyBytes, referer: h.referer,
    userAgent: h.userAgent, host: h.hostHeader, route: a.route, pool: "", member: "", durationMs: performance.now() - started,
  };
}

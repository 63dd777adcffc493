/**
 * Step 3a: the request as the upstream will see it. The client's headers pass unchanged except
 * for the documented edits: hop-by-hop removed, X-Forwarded-* set, Host per preserveHost, then
 * the route's requestHeaders rules (last, so an Apache set-up's `RequestHeader set X-Forwarded-Port 443` can override).
 */
import type { Member } from "../balancer/member.ts";
import type { Exchange } from "./exchange.ts";
import { dropUnderscoredOurs, setForwarded, stripHopByHop } from "./headers.ts";
import { prefixMatches } from "./router.ts";

export function upstreamTarget(x: Pick<Exchange, "route" | "path" | "canonical" | "query">, member: Member): string {
  const { route } = x;
  let path = x.path;
  if (route.rewritePrefix !== undefined) {
    // The route matched the canonical path; when the client spelled the prefix differently
    // (`/apim%2Dtoken/x`), the canonical form is the one whose prefix can be cut.
    const src = prefixMatches(route.path, path) ? path : x.canonical;
    const rest = route.path === "/" ? src : src.slice(route.path.endsWith("/") ? route.path.length - 1 : route.path.length);
    path = joinRest(route.rewritePrefix, rest);
  }
  const base = member.url.pathname;
  if (base !== "/" && base !== "") path = joinRest(base, path);
  return path + x.query;
}

/** `/token` + `/a` = `/token/a`; `/token` + `` = `/token`; `/` + `/a` = `/a` (no doubled slash). */
function joinRest(prefix: string, rest: string): string {
  if (rest === "" || rest === "/") return rest === "/" && prefix !== "/" && !prefix.endsWith("/") ? prefix + "/" : prefix;
  return (prefix.endsWith("/") ? prefix.slice(0, -1) : prefix) + rest;
}

/**
 * The member-independent edits, made once per exchange and in place on the client's request
 * headers (Bun lets us): copying Headers per request is a measurable share of a small request.
 */
export function prepareHeaders(x: Exchange, trusted: boolean, h: Headers = x.req.headers): Headers {
  stripHopByHop(h);
  dropUnderscoredOurs(h);
  setForwarded(h, { clientIp: x.clientIp, scheme: x.scheme, host: x.hostHeader, port: x.listenerPort, trusted });
  return h;
}

/** The headers for one try: Host and the route's rules may depend on the member, so those routes get a copy. */
export function headersFor(x: Exchange, base: Headers, member: Member): Headers {
  if (x.route.preserveHost && !x.route.requestRules) return base;
  const h = new Headers(base);
  if (!x.route.preserveHost) h.set("host", member.url.host);
  x.route.requestRules?.(h, { route: x.route.label, member: member.origin, client_ip: x.clientIp, host: x.hostHeader, scheme: x.scheme });
  return h;
}

/** A copy, leaving the client's request untouched (the WebSocket path still needs its Upgrade header). */
export function upstreamHeaders(x: Exchange, member: Member, trusted: boolean): Headers {
  return headersFor(x, prepareHeaders(x, trusted, new Headers(x.req.headers)), member);
}

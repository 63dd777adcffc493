/**
 * Step 3a: the request as the upstream will see it. The client's headers pass unchanged except
 * for the documented edits: hop-by-hop removed, X-Forwarded-* set, Host per preserveHost, then
 * the route's requestHeaders rules (last, so the seeds' `X-Forwarded-Port 443` can override).
 */
import type { Member } from "../balancer/member.ts";
import type { Exchange } from "./exchange.ts";
import { setForwarded, stripHopByHop } from "./headers.ts";

export function upstreamTarget(x: Exchange, member: Member): string {
  const { route } = x;
  let path = x.path;
  if (route.rewritePrefix !== undefined) {
    const rest = route.path === "/" ? path : path.slice(route.path.endsWith("/") ? route.path.length - 1 : route.path.length);
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

export function upstreamHeaders(x: Exchange, member: Member, trusted: boolean): Headers {
  const h = new Headers(x.req.headers);
  stripHopByHop(h);
  setForwarded(h, { clientIp: x.clientIp, scheme: x.scheme, host: x.hostHeader, port: x.listenerPort, trusted });
  if (!x.route.preserveHost) h.set("host", member.url.host);
  x.route.requestRules?.(h, { route: x.route.label, member: member.origin, client_ip: x.clientIp, host: x.hostHeader, scheme: x.scheme });
  return h;
}

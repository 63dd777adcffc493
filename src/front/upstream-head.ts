/**
 * The request head a member receives: the client's lines as received (request-head.ts kept
 * them, minus hop-by-hop and what the proxy sets), the path after rewritePrefix and the
 * member's base path, Host per preserveHost, X-Forwarded-*, then the route's requestHeaders
 * rules (last, so an Apache set-up's `RequestHeader set X-Forwarded-Port 443` can override).
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimeRoute } from "../config/runtime.ts";
import { prefixMatches } from "../proxy/router.ts";
import type { FastHead } from "./fast-head.ts";

export interface UpstreamHeadInput {
  h: FastHead;
  route: RuntimeRoute;
  path: string;
  canonical: string;
  query: string;
  clientIp: string;
  scheme: "http" | "https";
  port: number;
  trusted: boolean;
}

/**
 * Latin1 text (obs-text in a value is h.latin1: the caller writes it as bytes). A route
 * with requestHeaders rules gets them last, on a Headers object; a rule that fails
 * (HeaderValueError) throws.
 */
export function upstreamHead(x: UpstreamHeadInput, member: Member): string {
  const { h, trusted } = x;
  // An HTTP/1.0 request without Host (request-head.ts) gets the member's, and no X-Forwarded-Host.
  const host = x.route.preserveHost && h.hostHeader !== "" ? h.hostHeader : member.host;
  // As setForwarded: an empty prior X-Forwarded-For counts as none; the others count if present.
  const xff = trusted && h.xForwardedFor ? `${h.xForwardedFor}, ${x.clientIp}` : x.clientIp;
  const proto = trusted && h.xForwardedProto !== null ? h.xForwardedProto : x.scheme;
  const xhost = trusted && h.xForwardedHost !== null ? h.xForwardedHost : h.hostHeader;
  const xport = trusted && h.xForwardedPort !== null ? h.xForwardedPort : String(x.port);
  // An HTTP/1.0 client's request stays HTTP/1.0, so the member answers it without chunking.
  const line = `${h.method} ${upstreamTarget(x, member)} ${h.protocol}\r\n`;
  const fields = `${h.beforeHost}host: ${host}\r\n${h.afterHost}${trusted ? h.trustedOnly : ""}` +
    `x-forwarded-for: ${xff}\r\nx-forwarded-proto: ${proto}\r\n${xhost === "" ? "" : `x-forwarded-host: ${xhost}\r\n`}x-forwarded-port: ${xport}\r\n` +
    (h.upgrade ? "connection: upgrade\r\n" : "");
  const rules = x.route.requestRules;
  if (!rules) return `${line}${fields}\r\n`;
  const headers = new Headers();
  for (const l of fields.split("\r\n")) {
    const colon = l.indexOf(":");
    if (colon > 0) headers.append(l.slice(0, colon), l.slice(colon + 1).trim());
  }
  rules(headers, { route: x.route.label, member: member.origin, client_ip: x.clientIp, host: h.hostHeader, scheme: x.scheme });
  let text = line;
  for (const [k, v] of headers) text += `${k}: ${v}\r\n`;
  return `${text}\r\n`;
}

export function upstreamTarget(x: Pick<UpstreamHeadInput, "route" | "path" | "canonical" | "query">, member: Member): string {
  const { route } = x;
  let path = x.path;
  if (route.rewritePrefix !== undefined) {
    // The route matched the canonical path; when the client spelled the prefix differently
    // (`/apim%2Dtoken/x`), the canonical form is the one whose prefix can be cut.
    const src = prefixMatches(route.path, path) ? path : x.canonical;
    const rest = route.path === "/" ? src : src.slice(route.path.endsWith("/") ? route.path.length - 1 : route.path.length);
    path = joinRest(route.rewritePrefix, rest);
  }
  const base = member.basePath;
  if (base !== "/" && base !== "") path = joinRest(base, path);
  return path + x.query;
}

/** `/token` + `/a` = `/token/a`; `/token` + `` = `/token`; `/` + `/a` = `/a` (no doubled slash). */
function joinRest(prefix: string, rest: string): string {
  if (rest === "" || rest === "/") return rest === "/" && prefix !== "/" && !prefix.endsWith("/") ? prefix + "/" : prefix;
  return (prefix.endsWith("/") ? prefix.slice(0, -1) : prefix) + rest;
}

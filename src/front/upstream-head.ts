/**
 * The request head a member receives from the fast lane: the client's lines as received
 * (request-head.ts kept them), the path as the spine sends it (upstream-request.ts), Host per
 * preserveHost, then X-Forwarded-* exactly as headers.ts setForwarded sets them.
 */
import type { Member } from "../balancer/member.ts";
import type { RuntimeRoute } from "../config/runtime.ts";
import { upstreamTarget } from "../proxy/upstream-request.ts";
import type { FastHead } from "./request-head.ts";

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
 * ASCII (request-head.ts admits nothing else), so the string goes out as its bytes. A route
 * with requestHeaders rules gets them last, on a Headers object, as upstream-request.ts does;
 * a rule that fails (HeaderValueError) throws.
 */
export function upstreamHead(x: UpstreamHeadInput, member: Member): string {
  const { h, trusted } = x;
  const host = x.route.preserveHost ? h.hostHeader : member.url.host;
  // As setForwarded: an empty prior X-Forwarded-For counts as none; the others count if present.
  const xff = trusted && h.xForwardedFor ? `${h.xForwardedFor}, ${x.clientIp}` : x.clientIp;
  const proto = trusted && h.xForwardedProto !== null ? h.xForwardedProto : x.scheme;
  const xhost = trusted && h.xForwardedHost !== null ? h.xForwardedHost : h.hostHeader;
  const xport = trusted && h.xForwardedPort !== null ? h.xForwardedPort : String(x.port);
  const line = `${h.method} ${upstreamTarget(x, member)} HTTP/1.1\r\n`;
  const fields = `${h.beforeHost}host: ${host}\r\n${h.afterHost}${trusted ? h.trustedOnly : ""}` +
    `x-forwarded-for: ${xff}\r\nx-forwarded-proto: ${proto}\r\nx-forwarded-host: ${xhost}\r\nx-forwarded-port: ${xport}\r\n` +
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

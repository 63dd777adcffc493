/**
 * The spine's step for `Upgrade: websocket` requests on a pool route: pick a member (stickiness
 * and health apply as for any request), connect to it first, then upgrade the client (the relay
 * itself is src/ws/). A member that cannot be reached is tried like a refused HTTP connection:
 * recorded for passive health and retried on another member. A client that hangs up during
 * the handshake is nobody's failure: logged as 499, never retried. Responses that end the
 * exchange without an upgrade are access-logged here (the 101's line is written at close).
 */
import type { Server } from "bun";
import type { Member } from "../balancer/member.ts";
import type { RuntimePool } from "../config/runtime.ts";
import type { CloseInfo, WsData } from "../ws/pump.ts";
import { offeredProtocols, validProtocols } from "../ws/handshake.ts";
import { proxyWebSocket } from "../ws/relay.ts";
import { errorResponse } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import { chooseMember, type ForwardDeps } from "./forward.ts";
import { upstreamHeaders, upstreamTarget } from "./upstream-request.ts";

export interface WebSocketDeps extends ForwardDeps {
  onResponse?: (pool: RuntimePool, x: Exchange, member: Member, headers: Headers) => void;
  /** Access log once the WebSocket closes (status 101, bytes both ways). */
  log: (x: Exchange, status: number, bytes: number) => void;
}

/** The member answered the upgrade like an ordinary request (200, 3xx): forward it as one. */
export const ANSWERED_PLAIN: unique symbol = Symbol("answered plain");

export function isWebSocketUpgrade(req: Request): boolean {
  const up = req.headers.get("upgrade");
  return up !== null && up.toLowerCase() === "websocket";
}

export async function forwardWebSocket(x: Exchange, pool: RuntimePool, server: Server<WsData>, deps: WebSocketDeps): Promise<Response | undefined | typeof ANSWERED_PLAIN> {
  const answer = (res: Response): Response => {
    deps.log(x, res.status, 0);
    return res;
  };
  // An offer Bun's client WebSocket cannot send is the client's error: refuse it before a
  // member is chosen, so no member is charged for it (RFC 6455 4.1: unique tokens).
  if (!validProtocols(offeredProtocols(x.req))) {
    return answer(errorResponse("bad_request", "400 Bad Request: Sec-WebSocket-Protocol must list unique tokens"));
  }
  const tried = new Set<Member>();
  const trusted = deps.isTrustedProxy(x.clientIp);
  for (let attempt = 0; ; attempt++) {
    const member = chooseMember(pool, x, tried, deps);
    if (member instanceof Response) return answer(member);
    // The sticky Set-Cookie (insert mode) belongs on the 101, where the route was chosen.
    const extra = new Headers();
    deps.onResponse?.(pool, x, member, extra);
    let failure: string | undefined;
    let clientGone = false;
    let plain = false;
    member.begin();
    let res: Response | undefined;
    try {
      res = await proxyWebSocket(x.req, server, {
        upstreamUrl: member.origin.replace(/^http/, "ws") + upstreamTarget(x, member),
        headers: upstreamHeaders(x, member, trusted),
        connectTimeoutMs: x.route.timeouts.connect,
        responseHeaders: extra,
        tls: pool.upstreamTls,
        onUpstreamError: (kind, detail) => {
          if (kind === "client") clientGone = true;
          else if (kind === "answered") plain = true;
          else if (kind !== "refused") failure = `${kind}: ${detail}`;
        },
        onClose: (info: CloseInfo) => {
          member.end(info.bytesIn + info.bytesOut);
          deps.log(x, 101, info.bytesOut);
        },
      });
    } catch (e) {
      // Whatever threw, the member's in-flight count must come back (bybusyness reads it).
      member.end(0);
      deps.events("error", `pool=${pool.name} member=${member.origin} websocket handshake failed: ${(e as Error)?.message ?? e}`);
      return answer(errorResponse("upstream", "502 Bad Gateway: the WebSocket handshake could not be made"));
    }
    if (res === undefined) {
      deps.outcome(pool, member, true, "websocket upgraded");
      return undefined;
    }
    member.end(0);
    // The client hung up mid-handshake: not the member's fault, nothing to retry. No outcome
    // either; a passive-health trial this was is released when its lease ends.
    if (clientGone) {
      deps.log(x, 499, 0);
      return res;
    }
    // A 200 or 3xx: no failure; the handler sends the request again without Upgrade and relays
    // that answer, headers and body (Bun's WebSocket client keeps neither).
    if (plain) {
      deps.outcome(pool, member, true, "answered the upgrade without switching");
      return ANSWERED_PLAIN;
    }
    if (failure === undefined) return answer(res); // refused by the upstream: its status is relayed
    deps.outcome(pool, member, false, `websocket ${failure}`);
    tried.add(member);
    if (attempt >= pool.retries) {
      deps.events("error", `pool=${pool.name} member=${member.origin} websocket ${failure}`);
      return answer(res);
    }
    deps.events("warn", `pool=${pool.name} member=${member.origin} websocket ${failure}; retrying on another member`);
  }
}

/**
 * The spine's step for `Upgrade: websocket` requests on a pool route: pick a member (stickiness
 * and health apply as for any request), connect to it first, then upgrade the client (the relay
 * itself is src/ws/). A member that cannot be reached is tried like a refused HTTP connection:
 * recorded for passive health and retried on another member.
 */
import type { Server } from "bun";
import type { Member } from "../balancer/member.ts";
import type { RuntimePool } from "../config/runtime.ts";
import type { CloseInfo, WsData } from "../ws/pump.ts";
import { proxyWebSocket } from "../ws/relay.ts";
import type { Exchange } from "./exchange.ts";
import { chooseMember, type ForwardDeps } from "./forward.ts";
import { upstreamHeaders, upstreamTarget } from "./upstream-request.ts";

export interface WebSocketDeps extends ForwardDeps {
  onResponse?: (pool: RuntimePool, x: Exchange, member: Member, headers: Headers) => void;
  /** Access log once the WebSocket closes (status 101, bytes both ways). */
  log: (x: Exchange, status: number, bytes: number) => void;
}

export function isWebSocketUpgrade(req: Request): boolean {
  const up = req.headers.get("upgrade");
  return up !== null && up.toLowerCase() === "websocket";
}

export async function forwardWebSocket(x: Exchange, pool: RuntimePool, server: Server<WsData>, deps: WebSocketDeps): Promise<Response | undefined> {
  const tried = new Set<Member>();
  const trusted = deps.isTrustedProxy(x.clientIp);
  for (let attempt = 0; ; attempt++) {
    const member = chooseMember(pool, x, tried, deps);
    if (member instanceof Response) return member;
    // The sticky Set-Cookie (insert mode) belongs on the 101, where the route was chosen.
    const extra = new Headers();
    deps.onResponse?.(pool, x, member, extra);
    let failure: string | undefined;
    member.begin();
    const res = await proxyWebSocket(x.req, server, {
      upstreamUrl: member.origin.replace(/^http/, "ws") + upstreamTarget(x, member),
      headers: upstreamHeaders(x, member, trusted),
      connectTimeoutMs: x.route.timeouts.connect,
      responseHeaders: extra,
      tls: pool.upstreamTls,
      onUpstreamError: (kind, detail) => {
        if (kind !== "refused") failure = `${kind}: ${detail}`;
      },
      onClose: (info: CloseInfo) => {
        member.end(info.bytesIn + info.bytesOut);
        deps.log(x, 101, info.bytesOut);
      },
    });
    if (res === undefined) {
      deps.outcome(pool, member, true, "websocket upgraded");
      return undefined;
    }
    member.end(0);
    if (failure === undefined) return res; // refused by the upstream (its status is relayed) or client gone
    deps.outcome(pool, member, false, `websocket ${failure}`);
    tried.add(member);
    if (attempt >= pool.retries) {
      deps.events("error", `pool=${pool.name} member=${member.origin} websocket ${failure}`);
      return res;
    }
    deps.events("warn", `pool=${pool.name} member=${member.origin} websocket ${failure}; retrying on another member`);
  }
}

/**
 * The only module (with tls/) that touches Bun.serve: one server per listener.
 * `development: false` because Bun's development error page leaks stack traces.
 */
import type { Server } from "bun";
import type { Runtime } from "../config/runtime.ts";
import { createProxyHandler, type HandlerDeps } from "../proxy/handler.ts";
import { redirectToHttps } from "../proxy/redirect-https.ts";
import { createWebSocketHandler } from "../ws/relay.ts";
import type { WsData } from "../ws/pump.ts";

export interface Running { servers: Server<WsData>[]; stop(closeActive?: boolean): Promise<void> }

export function listen(rt: Runtime, deps: HandlerDeps): Running {
  // Bun closes a connection idle for idleTimeout seconds, including while it waits for our
  // response (bun-hono.md 7), so it must outlast the longest response timeout (max 255 s).
  const longest = Math.max(...[...rt.router.routes()].map((r) => r.timeouts.response), 60_000);
  const idleTimeout = Math.min(255, Math.max(75, Math.ceil(longest / 1000) + 5));
  const websocket = createWebSocketHandler({ idleTimeoutSec: rt.websocket.idleTimeoutSec, maxPayloadLength: rt.websocket.maxMessageSize });
  const servers = rt.listeners.map((l) => {
    const scheme = l.tls ? "https" : "http";
    const fetch = l.redirectHttps ? redirectToHttps(l.redirectHttps) : createProxyHandler(rt, { port: l.port, scheme }, deps);
    const server = Bun.serve<WsData>({
      port: l.port,
      hostname: l.host,
      development: false,
      idleTimeout,
      // Bodies stream through; the per-route maxBodySize is ours to enforce, not Bun's 128 MB default.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      fetch,
      websocket,
      error(e) {
        deps.events("error", `internal error: ${e.message}`);
        return new Response("500 Internal Server Error\n", { status: 500, headers: { "content-type": "text/plain" } });
      },
    });
    return server;
  });
  return {
    servers,
    async stop(closeActive = false) {
      await Promise.all(servers.map((s) => s.stop(closeActive)));
    },
  };
}

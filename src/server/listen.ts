/**
 * The only module (with tls/) that touches Bun.serve: one server per listener.
 * `development: false` because Bun's development error page leaks stack traces.
 */
import type { Server } from "bun";
import type { Runtime } from "../config/runtime.ts";
import { createProxyHandler, type HandlerDeps } from "../proxy/handler.ts";
import { redirectToHttps } from "../proxy/redirect-https.ts";
import type { TlsSetup } from "../tls/listener-tls.ts";
import { createWebSocketHandler } from "../ws/relay.ts";
import type { WsData } from "../ws/pump.ts";
import { plainIp } from "../proxy/headers.ts";
import { fastLanes } from "../front/plan.ts";
import { redirectLanes } from "../front/redirect-plan.ts";
import { listenFront, type Front } from "./front.ts";
import { sniTable, type SniTable } from "./tls-front.ts";

export interface Running {
  /** one per listener, in config order; a TLS reload replaces entries in place (for a fronted listener, its internal server) */
  servers: Server<WsData>[];
  /** the public address of each listener, in config order */
  urls: string[];
  stop(closeActive?: boolean): Promise<void>;
  /**
   * New certificates without dropping connections: a fronted listener swaps its SNI table in
   * place (server/tls-front.ts). With EDGE_FAST_LANE=0, `server.reload({tls})` is ignored by
   * Bun (measured on Bun 1.4), so a second server with the new certificates joins the port through
   * SO_REUSEPORT and the old one stops gracefully, finishing its in-flight requests.
   * All-or-nothing: if any new server fails to start, the old ones keep serving.
   */
  reloadTls(tls: ReadonlyMap<number, TlsSetup>): Promise<void>;
}

type ServeOptions = Bun.Serve.Options<WsData>;

/** Fails like a plain bind would when something already owns the port: SO_REUSEPORT would
 *  otherwise silently share it with a second proxy started by mistake. */
function probeFree(hostname: string, port: number): void {
  if (port === 0) return;
  const probe = Bun.serve({ port, hostname, fetch: () => new Response(null) });
  probe.stop(true);
}

export function listen(rt: Runtime, deps: HandlerDeps, tls?: ReadonlyMap<number, TlsSetup>): Running {
  // Bun closes a connection idle for idleTimeout seconds, including while it waits for our
  // response (Bun 1.4 behaviour), so it must outlast the longest response timeout (max 255 s).
  const longest = Math.max(...[...rt.router.routes()].map((r) => r.timeouts.response), 60_000);
  const idleTimeout = Math.min(255, Math.max(75, Math.ceil(longest / 1000) + 5));
  const websocket = createWebSocketHandler({ idleTimeoutSec: rt.websocket.idleTimeoutSec, maxPayloadLength: rt.websocket.maxMessageSize });
  // Plain listeners get the socket front (server/front.ts); EDGE_FAST_LANE=0 serves them with
  // Bun.serve alone, for comparison.
  const fronted = (_l: Runtime["listeners"][number]) => process.env.EDGE_FAST_LANE !== "0";
  const lanes = fastLanes(rt, deps.stickyCookie !== undefined);
  const fronts: (Front | undefined)[] = [];
  const options = rt.listeners.map((l, i) => {
    if (l.tls && !tls?.get(i)) throw new Error(`listeners[${i}].tls: no certificates loaded for this listener (loadListenerTls must run before listen)`);
    const scheme = l.tls ? "https" : "http";
    let handlerDeps = deps;
    let port = l.port;
    let hostname = l.host;
    if (fronted(l)) {
      if (l.tls) probeFree(l.host, l.port);
      const front = listenFront({ tls: tls?.get(i), hostname: l.host, port: l.port, idleTimeoutSec: Math.ceil(rt.clientTimeouts.keepAlive / 1000), clientTimeouts: rt.clientTimeouts, lanes: l.redirectHttps ? redirectLanes(l.redirectHttps) : lanes, deps: { ...deps, choose: deps.choose ?? ((p, x, t) => p.pool.pick({ clientIp: x.clientIp }, t)), outcome: deps.outcome ?? (() => {}), isTrustedProxy: rt.isTrustedProxy, wsIdleMs: rt.websocket.idleTimeoutSec * 1000, scheme, stickyCookie: deps.stickyCookie } });
      fronts[i] = front;
      const registry = front.registry;
      handlerDeps = { ...deps, clientIp: (req, server) => { const a = server.requestIP(req); return registry.clientIp(a?.port) ?? plainIp(a?.address ?? "-"); } };
      port = 0;
      hostname = "127.0.0.1";
      // The spine reports the public port (X-Forwarded-Port), not the internal one.
      return { ...serveOptions(l.redirectHttps ? redirectToHttps(l.redirectHttps) : createProxyHandler(rt, { port: front.port, scheme }, handlerDeps)), port, hostname };
    }
    const fetch = l.redirectHttps ? redirectToHttps(l.redirectHttps) : createProxyHandler(rt, { port: l.port, scheme }, handlerDeps);
    return { ...serveOptions(fetch), port, hostname };
  });
  function serveOptions(fetch: (req: Request, server: Server<WsData>) => Bun.MaybePromise<Response | undefined>) {
    return {
      development: false,
      idleTimeout,
      // Bodies stream through; the per-route maxBodySize is ours to enforce, not Bun's 128 MB default.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      fetch,
      websocket,
      error(e: Error) {
        deps.events("error", `internal error: ${e.message}`);
        return new Response("500 Internal Server Error\n", { status: 500, headers: { "content-type": "text/plain" } });
      },
    };
  }
  const servers: Server<WsData>[] = [];
  try {
    for (const [i, o] of options.entries()) {
      const setup = tls?.get(i);
      if (!setup || fronts[i]) {
        const server = Bun.serve<WsData>(o);
        servers.push(server);
        fronts[i]?.setInternalPort(server.port!);
        continue;
      }
      probeFree(o.hostname, o.port);
      servers.push(Bun.serve<WsData>({ ...o, reusePort: true, tls: setup.entries }));
    }
  } catch (e) {
    for (const s of servers) s.stop(true);
    for (const f of fronts) void f?.stop(true);
    lanes.close();
    throw e;
  }
  const urls = servers.map((s, i) => fronts[i]?.url ?? s.url.href);
  // Old servers still finishing in-flight requests after a reload; stop() waits for them too.
  const draining = new Set<Promise<void>>();

  return {
    servers,
    urls,
    async stop(closeActive = false) {
      await Promise.all([...fronts.map((f) => f?.stop(closeActive)), ...servers.map((s) => s.stop(closeActive)), ...draining]);
      lanes.close();
    },
    async reloadTls(next) {
      const started: [number, Server<WsData>][] = [];
      const tables: [Front, SniTable][] = [];
      try {
        for (const [i, o] of options.entries()) {
          const setup = next.get(i);
          const old = servers[i];
          if (!setup || !old || !rt.listeners[i]?.tls) continue;
          const front = fronts[i];
          if (front) {
            tables.push([front, sniTable(setup)]);
            continue;
          }
          // The real port, not the configured one: port 0 means "any" only the first time.
          started.push([i, Bun.serve<WsData>({ ...o, port: old.port ?? o.port, reusePort: true, tls: setup.entries })]);
        }
      } catch (e) {
        for (const [, s] of started) s.stop(true);
        throw new Error(`TLS reload failed, still serving the old certificates: ${(e as Error).message}`);
      }
      for (const [front, table] of tables) front.setTls(table);
      for (const [i, fresh] of started) {
        const old = servers[i];
        servers[i] = fresh;
        if (!old) continue;
        const done = old.stop(false).catch(() => {});
        draining.add(done);
        void done.finally(() => draining.delete(done));
      }
    },
  };
}

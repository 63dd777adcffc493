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
  /** Open client connections per listener, in config order; undefined where Bun.serve cannot tell. */
  connectionsOpen(): (number | undefined)[];
  /**
   * New certificates without dropping connections: a fronted listener swaps its SNI table in
   * place (server/tls-front.ts). With EDGE_FAST_LANE=0, `server.reload({tls})` is ignored by
   * Bun (measured on Bun 1.4), so a second server with the new certificates joins the port through
   * SO_REUSEPORT and the old one stops gracefully, finishing its in-flight requests.
   * All-or-nothing: if any new server fails to start, the old ones keep serving.
   */
  reloadTls(tls: ReadonlyMap<number, TlsSetup>): Promise<void>;
  /**
   * A reload with the same listeners: new requests are served by `rt` from now on, inside the
   * listeners already bound (a second server on the port would drop queued connections); those
   * in flight finish with the plan they started with. Returns a function that closes the fast
   * lanes of members `rt` no longer has (call it once the old requests had their time).
   */
  swap(rt: Runtime, deps: HandlerDeps): () => void;
}

type ServeOptions = Bun.Serve.Options<WsData>;

/** A `--workers` worker shares its ports with the others (SO_REUSEPORT, cli/workers.ts). */
export const SHARED_PORTS = process.env.EDGE_PROXY_WORKER !== undefined;

const frontDeps = (rt: Runtime, deps: HandlerDeps, scheme: "http" | "https") => ({ ...deps, choose: deps.choose ?? ((p, x, t) => p.pool.pick({ clientIp: x.clientIp }, t)), outcome: deps.outcome ?? (() => {}), isTrustedProxy: rt.isTrustedProxy, wsIdleMs: rt.websocket.idleTimeoutSec * 1000, scheme, stickyCookie: deps.stickyCookie }) satisfies Parameters<typeof listenFront>[0]["deps"];

/** The spine behind a socket front learns the client's address from the tunnel, not the socket. */
const tunnelled = (deps: HandlerDeps, registry: Front["registry"]): HandlerDeps => ({
  ...deps,
  clientIp: (req, server) => { const a = server.requestIP(req); return registry.clientIp(a?.port) ?? plainIp(a?.address ?? "-"); },
});

/** Fails like a plain bind would when something already owns the port: SO_REUSEPORT would
 *  otherwise silently share it with a second proxy started by mistake. */
function probeFree(hostname: string, port: number): void {
  if (port === 0 || SHARED_PORTS) return;
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
  // Under --workers a TLS listener stays on Bun.serve (reusePort): the node:tls front binds
  // without SO_REUSEPORT, so a second worker could not share its port.
  const fronted = (l: Runtime["listeners"][number]) => process.env.EDGE_FAST_LANE !== "0" && !(SHARED_PORTS && l.tls);
  let lanes = fastLanes(rt, deps.stickyCookie !== undefined);
  // A redirectHttps listener's front answers every request itself (front/redirect-plan.ts).
  const frontLanes = (next: Runtime, i: number) => {
    const r = next.listeners[i]?.redirectHttps;
    return r ? redirectLanes(r) : lanes;
  };
  const fronts: (Front | undefined)[] = [];
  const options = rt.listeners.map((l, i) => {
    if (l.tls && !tls?.get(i)) throw new Error(`listeners[${i}].tls: no certificates loaded for this listener (loadListenerTls must run before listen)`);
    const scheme = l.tls ? "https" : "http";
    let handlerDeps = deps;
    let port = l.port;
    let hostname = l.host;
    if (fronted(l)) {
      if (l.tls) probeFree(l.host, l.port);
      const front = listenFront({ tls: tls?.get(i), hostname: l.host, port: l.port, idleTimeoutSec: Math.ceil(rt.clientTimeouts.keepAlive / 1000), clientTimeouts: rt.clientTimeouts, lanes: frontLanes(rt, i), deps: frontDeps(rt, deps, scheme) });
      fronts[i] = front;
      const registry = front.registry;
      handlerDeps = tunnelled(deps, registry);
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
        const server = Bun.serve<WsData>(SHARED_PORTS && !fronts[i] ? { ...o, reusePort: true } : o);
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
  const fetchFor = (next: Runtime, d: HandlerDeps, i: number) => {
    const l = next.listeners[i]!;
    const front = fronts[i];
    if (l.redirectHttps) return redirectToHttps(l.redirectHttps);
    return createProxyHandler(next, { port: front ? front.port : servers[i]!.port ?? l.port, scheme: l.tls ? "https" : "http" }, front ? tunnelled(d, front.registry) : d);
  };
  // Old servers still finishing in-flight requests after a reload; stop() waits for them too.
  const draining = new Set<Promise<void>>();

  return {
    servers,
    urls,
    connectionsOpen: () => rt.listeners.map((_, i) => fronts[i]?.open()),
    async stop(closeActive = false) {
      await Promise.all([...fronts.map((f) => f?.stop(closeActive)), ...servers.map((s) => s.stop(closeActive)), ...draining]);
      lanes.close();
    },
    swap(next, d) {
      const before = lanes;
      lanes = fastLanes(next, d.stickyCookie !== undefined, before.lanes);
      for (const [i, server] of servers.entries()) {
        const fetch = fetchFor(next, d, i);
        options[i] = { ...options[i]!, fetch };
        server.reload({ fetch, error: options[i]!.error, websocket });
        fronts[i]?.swap(frontLanes(next, i), frontDeps(next, d, next.listeners[i]?.tls ? "https" : "http"));
      }
      const kept = new Set(lanes.lanes.values());
      return () => {
        for (const lane of before.lanes.values()) if (!kept.has(lane)) lane.close();
      };
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

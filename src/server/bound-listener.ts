/**
 * One bound listener: a socket front (server/front.ts) with its internal spine server, or a
 * Bun.serve alone (EDGE_FAST_LANE=0). listen.ts keeps the list; a reload swaps what a kept
 * listener serves in place, binds the listeners it adds and drains those it removes.
 */
import type { Server } from "bun";
import type { Runtime } from "../config/runtime.ts";
import type { ListenerConfig } from "../config/schema.ts";
import type { FastLanes } from "../front/plan.ts";
import { redirectLanes } from "../front/redirect-plan.ts";
import type { EventLog } from "../log/events.ts";
import { plainIp } from "../proxy/headers.ts";
import { createProxyHandler, type HandlerDeps } from "../proxy/handler.ts";
import { redirectToHttps } from "../proxy/redirect-https.ts";
import type { TlsSetup } from "../tls/listener-tls.ts";
import type { WsData } from "../ws/pump.ts";
import { listenFront, type Front } from "./front.ts";
import { listenerKey } from "./listener-plan.ts";
import { sniTable } from "./tls-front.ts";

/** What every listener serves at a time: one runtime, its spine hooks, its fast lanes. */
export interface Serving { rt: Runtime; deps: HandlerDeps; lanes: FastLanes }

/** Per process, not per listener: Bun.serve's idle timeout and the WebSocket relay. */
export interface Shared { idleTimeout: number; websocket: Bun.WebSocketHandler<WsData>; events: EventLog }

export interface Bound {
  /** identity across reloads (listener-plan.ts) */
  readonly key: string;
  /** the public address: the real port where the config says 0 */
  readonly url: string;
  /** the listener's Bun.serve (for a fronted listener, its internal spine server) */
  readonly server: Server<WsData>;
  readonly tls: boolean;
  /** open client connections; undefined where Bun.serve cannot tell */
  open(): number | undefined;
  /** New requests get `s` (and this listener's entry of its config); in-flight ones finish with theirs. */
  swap(l: ListenerConfig, s: Serving): void;
  /**
   * New certificates, checked before anything changes: `commit` swaps them in, `abort` undoes.
   * Call one of them at once: with Bun.serve alone the new server already shares the port.
   */
  prepareTls(setup: TlsSetup): { commit(): void; abort(): void };
  /** Stops accepting; idle connections close now, busy ones after their exchange (all now with closeActive). */
  stop(closeActive: boolean): Promise<void>;
}

/** A `--workers` worker shares its ports with the others (SO_REUSEPORT, cli/workers.ts). */
export const SHARED_PORTS = process.env.EDGE_PROXY_WORKER !== undefined;

/** Fails like a plain bind would when something already owns the port: SO_REUSEPORT would
 *  otherwise silently share it with a second proxy started by mistake. */
function probeFree(hostname: string, port: number): void {
  if (port === 0 || SHARED_PORTS) return;
  Bun.serve({ port, hostname, fetch: () => new Response(null) }).stop(true);
}

const frontDeps = (rt: Runtime, deps: HandlerDeps, scheme: "http" | "https") => ({ ...deps, choose: deps.choose ?? ((p, x, t) => p.pool.pick({ clientIp: x.clientIp }, t)), outcome: deps.outcome ?? (() => {}), isTrustedProxy: rt.isTrustedProxy, wsIdleMs: rt.websocket.idleTimeoutSec * 1000, scheme, stickyCookie: deps.stickyCookie }) satisfies Parameters<typeof listenFront>[0]["deps"];

/** A redirectHttps listener's front answers every request itself (front/redirect-plan.ts). */
const lanesFor = (l: ListenerConfig, s: Serving) => (l.redirectHttps ? redirectLanes(l.redirectHttps) : s.lanes);

/** The spine behind a socket front learns the client's address from the tunnel, not the socket. */
const tunnelled = (deps: HandlerDeps, front: Front): HandlerDeps => ({
  ...deps,
  clientIp: (req, server) => { const a = server.requestIP(req); return front.registry.clientIp(a?.port) ?? plainIp(a?.address ?? "-"); },
});

/** The spine for this listener; `port` is the public one (X-Forwarded-Port), not the internal. */
function spine(l: ListenerConfig, s: Serving, port: number, front?: Front) {
  if (l.redirectHttps) return redirectToHttps(l.redirectHttps);
  return createProxyHandler(s.rt, { port, scheme: l.tls ? "https" : "http" }, front ? tunnelled(s.deps, front) : s.deps);
}

function serveOptions(sh: Shared, fetch: ReturnType<typeof spine>) {
  return {
    development: false,
    idleTimeout: sh.idleTimeout,
    // Bodies stream through; the per-route maxBodySize is ours to enforce, not Bun's 128 MB default.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch,
    websocket: sh.websocket,
    error(e: Error) {
      sh.events("error", `internal error: ${e.message}`);
      return new Response("500 Internal Server Error\n", { status: 500, headers: { "content-type": "text/plain" } });
    },
  };
}

/** Binds the listener, with `setup` when it has `tls`, or throws (nothing is left bound then). */
export function bindListener(l: ListenerConfig, s: Serving, sh: Shared, setup: TlsSetup | undefined): Bound {
  // Plain and TLS listeners get the socket front; EDGE_FAST_LANE=0 serves them with Bun.serve alone, for comparison.
  return process.env.EDGE_FAST_LANE !== "0" ? bindFront(l, s, sh, setup) : bindServe(l, s, sh, setup);
}

function bindFront(l: ListenerConfig, s: Serving, sh: Shared, setup: TlsSetup | undefined): Bound {
  const scheme = l.tls ? "https" : "http";
  if (l.tls) probeFree(l.host, l.port);
  const front = listenFront({ tls: setup, hostname: l.host, port: l.port, idleTimeoutSec: Math.ceil(s.rt.clientTimeouts.keepAlive / 1000), clientTimeouts: s.rt.clientTimeouts, lanes: lanesFor(l, s), deps: frontDeps(s.rt, s.deps, scheme) });
  let server: Server<WsData>;
  try {
    server = Bun.serve<WsData>({ ...serveOptions(sh, spine(l, s, front.port, front)), port: 0, hostname: "127.0.0.1" });
  } catch (e) {
    void front.stop(true);
    throw e;
  }
  front.setInternalPort(server.port!);
  return {
    key: listenerKey(l), url: front.url, server, tls: setup !== undefined,
    open: () => front.open(),
    swap(next, ns) {
      const o = serveOptions(sh, spine(next, ns, front.port, front));
      server.reload({ fetch: o.fetch, error: o.error, websocket: o.websocket });
      front.swap(lanesFor(next, ns), frontDeps(ns.rt, ns.deps, scheme));
    },
    prepareTls(t) {
      const table = sniTable(t);
      return { commit: () => front.setTls(table), abort: () => {} };
    },
    stop: async (closeActive) => void (await Promise.all([front.stop(closeActive), server.stop(closeActive)])),
  };
}

function bindServe(l: ListenerConfig, s: Serving, sh: Shared, setup: TlsSetup | undefined): Bound {
  let options = { ...serveOptions(sh, spine(l, s, l.port)), port: l.port, hostname: l.host };
  if (setup) probeFree(l.host, l.port);
  // TLS servers always share their port: a certificate reload starts a second one beside the first.
  let server = Bun.serve<WsData>(setup ? { ...options, reusePort: true, tls: setup.entries } : SHARED_PORTS ? { ...options, reusePort: true } : options);
  // The real port, not the configured one: port 0 means "any" only the first time.
  options = { ...options, port: server.port ?? l.port };
  // Old servers still finishing in-flight requests after a certificate reload; stop() waits for them too.
  const draining = new Set<Server<WsData>>();
  const url = server.url.href;
  return {
    key: listenerKey(l), url, tls: setup !== undefined,
    get server() { return server; },
    open: () => undefined,
    swap(next, ns) {
      options = { ...options, fetch: spine(next, ns, options.port) };
      server.reload({ fetch: options.fetch, error: options.error, websocket: options.websocket });
    },
    prepareTls(t) {
      // Bun.serve's reload({tls}) is ignored (Bun 1.4): a second server joins the port and the old one stops gracefully.
      const fresh = Bun.serve<WsData>({ ...options, reusePort: true, tls: t.entries });
      return {
        commit() {
          const old = server;
          server = fresh;
          draining.add(old);
          void old.stop(false).catch(() => {}).finally(() => draining.delete(old));
        },
        abort: () => void fresh.stop(true),
      };
    },
    stop: async (closeActive) => void (await Promise.all([server, ...draining].map((x) => x.stop(closeActive)))),
  };
}

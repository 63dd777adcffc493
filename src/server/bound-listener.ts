/**
 * One bound listener: a socket front (server/front.ts: Bun.listen, or node:tls for HTTPS)
 * running the engine. listen.ts keeps the list; a reload swaps what a kept listener serves in
 * place, binds the listeners it adds and drains those it removes.
 */
import type { Runtime } from "../config/runtime.ts";
import type { ListenerConfig } from "../config/schema.ts";
import type { FastDeps } from "../front/exchange.ts";
import type { FastLanes } from "../front/plan.ts";
import { redirectLanes } from "../front/redirect-plan.ts";
import type { TlsSetup } from "../tls/listener-tls.ts";
import { listenFront } from "./front.ts";
import { listenerKey } from "./listener-plan.ts";
import type { ListenDeps } from "./listen.ts";
import { sniTable } from "./tls-front.ts";

/** What every listener serves at a time: one runtime, its hooks, its member lanes. */
export interface Serving { rt: Runtime; deps: ListenDeps; lanes: FastLanes }

export interface Bound {
  /** identity across reloads (listener-plan.ts) */
  readonly key: string;
  /** the public address: the real port where the config says 0 */
  readonly url: string;
  readonly tls: boolean;
  /** open client connections */
  open(): number;
  /** New requests get `s` (and this listener's entry of its config); in-flight ones finish with theirs. */
  swap(l: ListenerConfig, s: Serving): void;
  /** New certificates, checked before anything changes: `commit` swaps them in, `abort` undoes. */
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
  try {
    Bun.listen({ hostname, port, socket: { data() {} } }).stop(true);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw Object.assign(new Error(code === "EADDRINUSE" ? `cannot listen on ${hostname}:${port} (is the port in use?)` : `cannot listen on ${hostname}:${port}: ${(e as Error).message}`), { code });
  }
}

/** Without stickiness and health (tests, tools): the pool's own method, no outcome recorded. */
const plainChoose: FastDeps["choose"] = (p, x, tried) => p.pool.pick({ clientIp: x.clientIp }, tried);

const frontDeps = (rt: Runtime, deps: ListenDeps, scheme: "http" | "https") => ({
  choose: plainChoose, outcome: () => {}, ...deps, isTrustedProxy: rt.isTrustedProxy, wsIdleMs: rt.websocket.idleTimeoutSec * 1000, scheme,
});

/** A redirectHttps listener's front answers every request itself (front/redirect-plan.ts). */
const lanesFor = (l: ListenerConfig, s: Serving) => (l.redirectHttps ? redirectLanes(l.redirectHttps) : s.lanes);

/** Binds the listener, with `setup` when it has `tls`, or throws (nothing is left bound then). */
export function bindListener(l: ListenerConfig, s: Serving, setup: TlsSetup | undefined): Bound {
  const scheme = l.tls ? "https" : "http";
  if (l.tls) probeFree(l.host, l.port);
  const front = listenFront({ tls: setup, hostname: l.host, port: l.port, idleTimeoutSec: Math.ceil(s.rt.clientTimeouts.keepAlive / 1000), clientTimeouts: s.rt.clientTimeouts, lanes: lanesFor(l, s), deps: frontDeps(s.rt, s.deps, scheme) });
  return {
    key: listenerKey(l), url: front.url, tls: setup !== undefined,
    open: () => front.open(),
    swap: (next, ns) => front.swap(lanesFor(next, ns), frontDeps(ns.rt, ns.deps, scheme)),
    prepareTls(t) {
      const table = sniTable(t);
      return { commit: () => front.setTls(table), abort: () => {} };
    },
    stop: (closeActive) => front.stop(closeActive),
  };
}

/**
 * A listener: Bun.listen for plain HTTP, node:tls for HTTPS (tls-front.ts), both handing their
 * sockets to the one engine (src/front/client-conn.ts). Sockets, not Bun.serve, because
 * measured on the bench: Bun.serve with Request/Response objects cost ~33 us of CPU per small
 * request, the engine ~20 us.
 */
import type { Socket } from "bun";
import type { ClientTimeouts } from "../config/runtime.ts";
import { ClientConn } from "../front/client-conn.ts";
import { refusedEntry } from "../front/request-check.ts";
import { plainIp } from "../proxy/headers.ts";
import type { FrontContext } from "../front/front-context.ts";
import type { FastDeps } from "../front/exchange.ts";
import type { FastLanes } from "../front/plan.ts";
import type { TlsSetup } from "../tls/listener-tls.ts";
import { listenTls, type SniTable, type SocketEvents } from "./tls-front.ts";

export interface Front {
  readonly port: number;
  readonly url: string;
  /** Client connections open now (edge_proxy_connections_open). */
  open(): number;
  /** A reload: new requests get these lanes and hooks; exchanges in flight finish with theirs. */
  swap(lanes: FastLanes, deps: FrontOptions["deps"]): void;
  /** A TLS listener takes new certificates in place: new handshakes use them, no connection drops. */
  setTls(table: SniTable): void;
  /** Stops accepting; idle connections close now, busy ones after their exchange. */
  stop(closeActive: boolean): Promise<void>;
}

export interface FrontOptions {
  hostname: string;
  port: number;
  idleTimeoutSec: number;
  clientTimeouts: ClientTimeouts;
  lanes: FastLanes;
  /** TLS as the transport (node:tls, server/tls-front.ts); plain Bun.listen without it. */
  tls?: TlsSetup | undefined;
  /** Everything but the listener's port, which is known only once bound. */
  deps: Omit<FastDeps, "port" | "listenerPort" | "lanes">;
}

export function listenFront(o: FrontOptions): Front {
  const conns = new Set<ClientConn>();
  /** Resolved when the last connection closes after a stop; shared by every stop (a reload's drain, then SIGTERM). */
  let drained: PromiseWithResolvers<void> | undefined;
  const ctx: FrontContext = {
    deps: { ...o.deps, port: o.port, listenerPort: o.port, lanes: o.lanes.lanes },
    plan: o.lanes.planFor(o.port),
    idleTimeoutSec: o.idleTimeoutSec,
    clientTimeouts: o.clientTimeouts,
    stopping: false,
  };
  const ev: SocketEvents<ClientConn> = {
    open(s) {
      const c = new ClientConn(s, ctx);
      conns.add(c);
      s.timeout(o.idleTimeoutSec);
      return c;
    },
    data: (c, d) => c.onData(d),
    end: (c) => c.onEnd(),
    drain: (c) => c.onDrain(),
    timeout: (c) => c.onTimeout(),
    close(c) {
      c.onClose();
      conns.delete(c);
      if (conns.size === 0) drained?.resolve();
    },
    plainHttp: (ip, bodyBytes) => ctx.deps.access(refusedEntry(plainIp(ip), 400, undefined, bodyBytes)),
  };
  const listener = o.tls ? listenTls(o.hostname, o.port, o.tls, ev, o.clientTimeouts.header) : Bun.listen<ClientConn>({
    hostname: o.hostname,
    port: o.port,
    allowHalfOpen: true, // a client's FIN after its request still gets the answer (ClientConn.onEnd)
    // --workers: every worker binds the same port and the kernel spreads connections.
    ...(process.env.EDGE_PROXY_WORKER !== undefined ? { reusePort: true } : {}),
    socket: {
      open(s: Socket<ClientConn>) {
        s.setNoDelay(true);
        s.data = ev.open(s);
      },
      data: (s, d) => ev.data(s.data, d),
      end: (s) => ev.end(s.data),
      drain: (s) => ev.drain(s.data),
      timeout: (s) => ev.timeout(s.data),
      close: (s) => ev.close(s.data),
      error: (s) => s.data.onClose(),
    },
  });
  ctx.deps.port = listener.port;
  const host = o.hostname.includes(":") ? `[${o.hostname}]` : o.hostname;
  return {
    port: listener.port,
    url: `${o.tls ? "https" : "http"}://${host}:${listener.port}/`,
    open: () => conns.size,
    setTls(table) {
      if ("setTable" in listener) listener.setTable(table);
    },
    swap(lanes, deps) {
      ctx.deps = { ...deps, port: listener.port, listenerPort: o.port, lanes: lanes.lanes };
      ctx.plan = lanes.planFor(o.port);
    },
    async stop(closeActive) {
      ctx.stopping = true;
      listener.stop(closeActive);
      if (closeActive) for (const c of conns) c.abort();
      else for (const c of conns) c.stop();
      if (conns.size > 0) await (drained ??= Promise.withResolvers<void>()).promise;
    },
  };
}

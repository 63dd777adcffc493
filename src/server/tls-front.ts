/**
 * TLS as a transport under the socket front: node:tls (in Bun) accepts, and each TLS socket is
 * handed to the same ClientConn as a plain Bun.listen socket, through the few calls it makes.
 * node:tls rather than Bun.listen's `tls`: Bun.listen takes one certificate object (an array is
 * refused, "TLSOptions must be an object") and its `reload()` ignores `tls` (Bun 1.4.5), while
 * node:tls picks a certificate per SNI name (SNICallback) and the table can be swapped in place,
 * so a SIGHUP needs no second server. Throughput was the same within noise on loopback.
 */
import { createSecureContext, createServer, type SecureContext, type TLSSocket } from "node:tls";
import { writeSync } from "node:fs";
import { errorBytes } from "../proxy/errors.ts";
import type { ClientSocket } from "../front/client-socket.ts";
import type { TlsEntry, TlsSetup } from "../tls/listener-tls.ts";

/** Certificates by SNI name; `fallback` answers no or unknown SNI (entries[0], as Bun.serve). */
export interface SniTable { byName: Map<string, SecureContext>; fallback: SecureContext; first: TlsEntry }

/** Throws on a bad certificate before anything is swapped (reload is all-or-nothing). */
export function sniTable(setup: TlsSetup): SniTable {
  const byName = new Map<string, SecureContext>();
  const made = new Map<string, SecureContext>();
  let fallback: SecureContext | undefined;
  for (const e of setup.entries) {
    const id = [e.cert, e.key].flat().join("");
    const ctx = made.get(id) ?? createSecureContext(contextOptions(e));
    made.set(id, ctx);
    fallback ??= ctx;
    if (e.serverName && !byName.has(e.serverName)) byName.set(e.serverName, ctx);
  }
  const first = setup.entries[0];
  if (!fallback || !first) throw new Error("no certificate to serve");
  return { byName, fallback, first };
}

function contextOptions(e: TlsEntry) {
  return { cert: e.cert, key: e.key, minVersion: "TLSv1.2" as const, ...(e.secureOptions === undefined ? {} : { secureOptions: e.secureOptions }) };
}

/** Exact name first, then a `*.` wildcard for the first label (RFC 6125 6.4.3). */
function pick(t: SniTable, name: string): SecureContext {
  // A fully qualified name's trailing dot names the same host (RFC 6066 3 forbids it; NGINX and Go strip it).
  const n = (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();
  const dot = n.indexOf(".");
  return t.byName.get(n) ?? (dot > 0 ? t.byName.get("*" + n.slice(dot)) : undefined) ?? t.fallback;
}

/** What the front does with each connection's events. */
export interface SocketEvents<C> {
  open(s: ClientSocket): C;
  data(c: C, d: Buffer): void;
  end(c: C): void;
  drain(c: C): void;
  timeout(c: C): void;
  close(c: C): void;
  /** A plain HTTP request reached the TLS port and was answered 400 (for the access log). */
  plainHttp?(remoteAddress: string, bodyBytes: number): void;
}

/**
 * Bun socket semantics over a node socket: write returns how much was taken; node buffers
 * everything, so once it reports a full buffer further writes take nothing until 'drain',
 * which keeps the front's backpressure (WriteQueue) working unchanged.
 */
class TlsClientSocket implements ClientSocket {
  readonly remoteAddress: string;
  full = false;
  /** timeout(): the idle time that fires it, and the idle time so far (IdleSweep). */
  timeoutMs = 0;
  idleMs = 0;
  /** Set by the listener: the front's timeout event. */
  onIdle: () => void = () => {};
  readonly #s: TLSSocket;

  constructor(s: TLSSocket) {
    this.#s = s;
    this.remoteAddress = s.remoteAddress ?? "-";
  }

  write(b: Uint8Array): number {
    this.idleMs = 0;
    if (this.full || this.#s.destroyed) return 0;
    // Node may keep the buffer past this call: fine, callers never change what they hand over (write-queue.ts).
    if (!this.#s.write(b)) this.full = true;
    return b.byteLength;
  }
  end(): void { this.#s.end(); }
  // node's end() is a half-close on a server with allowHalfOpen: it reads on until the client's FIN.
  shutdown(): void { this.#s.end(); }
  terminate(): void { this.#s.destroy(); }
  pause(): void { this.#s.pause(); }
  resume(): void { this.#s.resume(); }
  timeout(sec: number): void {
    this.timeoutMs = sec * 1000;
    this.idleMs = 0;
  }
}

/**
 * The keep-alive timeout with Bun.listen's meaning: `timeout(sec)` fires once after sec seconds
 * without a read or a write. node's socket.setTimeout refreshes a timer on every read and
 * write (1% of an HTTPS request's CPU, measured); here activity zeroes a field and one sweep
 * per listener finds the idle sockets. Precision is the sweep (a second; Bun's own is four).
 */
class IdleSweep {
  readonly #live = new Set<TlsClientSocket>();
  readonly #everyMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(everyMs: number) { this.#everyMs = everyMs; }

  add(s: TlsClientSocket): void {
    this.#live.add(s);
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#sweep(), this.#everyMs);
    this.#timer.unref?.();
  }

  delete(s: TlsClientSocket): void {
    this.#live.delete(s);
    if (this.#live.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    for (const s of this.#live) {
      if (s.timeoutMs === 0 || (s.idleMs += this.#everyMs) < s.timeoutMs) continue;
      s.timeoutMs = 0;
      s.onIdle();
    }
  }
}


/**
 * BoringSSL saw an HTTP request line where a ClientHello belongs (SSL_R_HTTP_REQUEST: it knows
 * GET, HEAD, POST and PUT; other methods are a plain handshake failure). NGINX answers that in
 * plain text ("The plain HTTP request was sent to HTTPS port") instead of an empty reply, so a
 * client configured with http:// learns why. The bytes go straight to the socket's descriptor,
 * under TLS, which has not sent a byte yet; a short write is let go. The request itself went to
 * BoringSSL, so a HEAD gets the body too.
 */
/** The body bytes sent (for the access log), or -1 when nothing could be. */
function answerPlainHttp(s: TLSSocket): number {
  const fd = (s as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) return -1;
  // Made per answer: its Date is when it is sent (RFC 9110 6.6.1).
  const { bytes, bodyBytes } = errorBytes("bad_request", "400 Bad Request: a plain HTTP request was sent to this HTTPS port; use https://", true);
  try {
    return writeSync(fd, bytes) === bytes.byteLength ? bodyBytes : -1;
  } catch {
    return -1;
  }
}

/** stop: active connections are ended by the front itself (ClientConn.abort / stop). */
export interface TlsListener { port: number; setTable(t: SniTable): void; stop(closeActive?: boolean): void }

/**
 * `handshakeMs`: a client that has not finished its handshake by then is closed (NGINX counts the
 * handshake in client_header_timeout; the listener's value at start). `sweepMs`: how often idle
 * sockets are looked for (tests shorten it).
 */
export function listenTls<C>(hostname: string, port: number, setup: TlsSetup, ev: SocketEvents<C>, handshakeMs = 60_000, sweepMs = 1000): TlsListener {
  let table = sniTable(setup);
  const idle = new IdleSweep(sweepMs);
  const server = createServer({
    allowHalfOpen: true,
    ALPNProtocols: ["http/1.1"],
    SNICallback: (name, cb) => cb(null, pick(table, name)),
    handshakeTimeout: handshakeMs,
    // no SNI at all: the default certificate
    ...contextOptions(table.first),
  }, (s) => {
    s.setNoDelay(true);
    const sock = new TlsClientSocket(s);
    const c = ev.open(sock);
    sock.onIdle = () => ev.timeout(c);
    idle.add(sock);
    s.on("data", (d: Buffer) => {
      sock.idleMs = 0;
      ev.data(c, d);
    });
    s.on("end", () => ev.end(c));
    s.on("drain", () => { sock.full = false; ev.drain(c); });
    s.on("error", () => {}); // 'close' follows
    s.on("close", () => {
      idle.delete(sock);
      ev.close(c);
    });
  });
  server.on("error", () => {});
  // Bun 1.4.5 reports a handshake timeout (or a failed handshake) here but leaves the socket open.
  server.on("tlsClientError", (e, s) => {
    const sent = (e as { code?: string }).code === "ERR_SSL_HTTP_REQUEST" ? answerPlainHttp(s) : -1;
    if (sent >= 0) ev.plainHttp?.(s.remoteAddress ?? "", sent);
    s.destroy();
  });
  // --workers: every worker binds the same port and the kernel spreads connections (Bun 1.4.5's
  // node:tls honours reusePort, measured with two processes on one port).
  server.listen({ port, host: hostname, reusePort: process.env.EDGE_PROXY_WORKER !== undefined });
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error(`cannot listen on ${hostname}:${port} (is the port in use?)`);
  return {
    port: addr.port,
    setTable(t) {
      server.setSecureContext(contextOptions(t.first));
      table = t;
    },
    stop() { server.close(); },
  };
}

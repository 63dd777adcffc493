/**
 * TLS as a transport under the socket front. Bun.listen accepts TCP, and each connection is
 * upgraded in place to a server-side TLS socket (`upgradeTLS`) with the listener's certificates
 * of that moment, so a SIGHUP's new table applies to the next handshake, the default certificate
 * included, with no second server and no dropped connection. The TLS socket is a Bun socket like
 * a plain one, handed to the same ClientConn: one engine, two transports.
 * Not node:tls (`createServer`): its sockets are node streams on top of Bun's, which cost a
 * quarter more CPU per small HTTPS request and, measured, twice NGINX's p99 while the JIT warms
 * through the stream code; node:net alone adds 3 MB of idle RSS. Not Bun.listen's own `tls`: its
 * default certificate is fixed at listen (`reload()` ignores `tls`, Bun 1.4.5), which a client
 * without SNI (every `https://10.0.0.5/` health check) would keep seeing after a renewal.
 */
import type { Socket, TLSOptions } from "bun";
import { writeSync } from "node:fs";
import { errorBytes } from "../proxy/errors.ts";
import type { ClientSocket } from "../front/client-socket.ts";
import type { TlsEntry, TlsSetup } from "../tls/listener-tls.ts";

/** ALPN in wire format (RFC 7301 3.1): HTTP/1.1 only, until an HTTP/2 mux exists. */
const ALPN = Buffer.from("\x08http/1.1", "latin1");

/** A native SecureContext (node:tls createSecureContext(...).context): what Bun's SNI hook returns. */
type NativeContext = object;

/**
 * The certificates of a listener: `tls` is what every handshake starts with (entries[0], the
 * default for no or unknown SNI, as NGINX's first server); `byName` picks another by SNI. A
 * listener whose names all share one certificate has no `byName` and loads no node:tls.
 */
export interface SniTable { tls: TLSOptions; byName: Map<string, NativeContext> | undefined; first: TlsEntry }

function contextOptions(e: TlsEntry): TLSOptions {
  return { cert: e.cert, key: e.key, ...(e.secureOptions === undefined ? {} : { secureOptions: e.secureOptions }) };
}

/**
 * Throws on a certificate BoringSSL will not serve, before anything is swapped (reload is
 * all-or-nothing). A throwaway loopback listener is the one synchronous check Bun offers that
 * parses the PEM exactly as the handshakes will.
 */
function checked(o: TLSOptions): TLSOptions {
  Bun.listen({ hostname: "127.0.0.1", port: 0, tls: o, socket: { data() {} } }).stop(true);
  return o;
}

export function sniTable(setup: TlsSetup): SniTable {
  const first = setup.entries[0];
  if (!first) throw new Error("no certificate to serve");
  const ids = new Map<string, TLSOptions>();
  for (const e of setup.entries) {
    const id = [e.cert, e.key].flat().join("");
    if (!ids.has(id)) ids.set(id, checked(contextOptions(e)));
  }
  if (ids.size === 1) return { tls: { ...contextOptions(first), ALPNProtocols: ALPN }, byName: undefined, first };
  // Several certificates: Bun's SNI hook takes native contexts, which only node:tls makes;
  // loaded here, when a listener needs it, not at every start.
  const { createSecureContext } = process.getBuiltinModule("node:tls");
  const native = new Map<string, NativeContext>();
  for (const [id, o] of ids) native.set(id, (createSecureContext(o as Parameters<typeof createSecureContext>[0]) as unknown as { context: NativeContext }).context);
  const byName = new Map<string, NativeContext>();
  for (const e of setup.entries) {
    if (e.serverName && !byName.has(e.serverName)) byName.set(e.serverName, native.get([e.cert, e.key].flat().join(""))!);
  }
  const fallback = native.get([first.cert, first.key].flat().join(""))!;
  return { tls: { secureContext: fallback, ALPNProtocols: ALPN } as TLSOptions, byName, first };
}

/** Exact name first, then a `*.` wildcard for the first label (RFC 6125 6.4.3); undefined keeps the default. */
function pick(t: SniTable, name: string): NativeContext | undefined {
  if (!t.byName) return undefined;
  // A fully qualified name's trailing dot names the same host (RFC 6066 3 forbids it; NGINX and Go strip it).
  const n = (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();
  const dot = n.indexOf(".");
  return t.byName.get(n) ?? (dot > 0 ? t.byName.get("*" + n.slice(dot)) : undefined);
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
 * BoringSSL saw an HTTP request line where a ClientHello belongs (SSL_R_HTTP_REQUEST: it knows
 * GET, HEAD, POST and PUT; other methods are a plain handshake failure). NGINX answers that in
 * plain text ("The plain HTTP request was sent to HTTPS port") instead of an empty reply, so a
 * client configured with http:// learns why. The bytes go straight to the socket's descriptor,
 * under TLS, which has not sent a byte yet; a short write is let go. The request itself went to
 * BoringSSL, so a HEAD gets the body too.
 */
/** The body bytes sent (for the access log), or -1 when nothing could be. */
function answerPlainHttp(fd: number): number {
  if (fd < 0) return -1;
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

/** A connection's state before and after its handshake: `conn` exists once it is done. */
interface Pending<C> { conn: C | undefined; deadline: ReturnType<typeof setTimeout> | undefined }

/**
 * `handshakeMs`: a client that has not finished its handshake by then is closed, however slowly
 * it trickles its ClientHello (NGINX counts the handshake in client_header_timeout; the
 * listener's value at start).
 */
export function listenTls<C>(hostname: string, port: number, setup: TlsSetup, ev: SocketEvents<C>, handshakeMs = 60_000): TlsListener {
  let table = sniTable(setup);
  const tlsHandlers = {
    // Bun's SNI hook (what its node:tls builds SNICallback on): a native context, or undefined for the default.
    serverName: (_listener: unknown, name: string) => pick(table, name),
    open() {},
    handshake(s: Socket<Pending<C>>, ok: boolean, error: Error | null) {
      const p = s.data;
      clearTimeout(p.deadline);
      if (!ok) {
        // A bad handshake (no shared version or cipher, a plain HTTP request) ends the connection.
        const sent = /HTTP_REQUEST/.test(error?.message ?? "") ? answerPlainHttp((s as unknown as { fd: number }).fd) : -1;
        if (sent >= 0) ev.plainHttp?.(s.remoteAddress ?? "", sent);
        return void s.terminate();
      }
      s.setNoDelay(true);
      p.conn = ev.open(s);
    },
    data: (s: Socket<Pending<C>>, d: Buffer) => s.data.conn !== undefined && ev.data(s.data.conn, d),
    end: (s: Socket<Pending<C>>) => (s.data.conn === undefined ? s.terminate() : ev.end(s.data.conn)),
    drain: (s: Socket<Pending<C>>) => s.data.conn !== undefined && ev.drain(s.data.conn),
    timeout: (s: Socket<Pending<C>>) => s.data.conn !== undefined && ev.timeout(s.data.conn),
    close(s: Socket<Pending<C>>) {
      const p = s.data;
      clearTimeout(p.deadline);
      if (p.conn !== undefined) ev.close(p.conn);
      p.conn = undefined;
    },
    error() {}, // close follows
  };
  const listener = Bun.listen<undefined>({
    hostname,
    port,
    allowHalfOpen: true, // a client's FIN after its request still gets the answer (ClientConn.onEnd)
    // --workers: every worker binds the same port and the kernel spreads connections.
    ...(process.env.EDGE_PROXY_WORKER !== undefined ? { reusePort: true } : {}),
    socket: {
      open(raw) {
        const p: Pending<C> = { conn: undefined, deadline: undefined };
        const [, tls] = raw.upgradeTLS<Pending<C>>({ isServer: true, tls: table.tls, socket: tlsHandlers, data: p } as Parameters<typeof raw.upgradeTLS<Pending<C>>>[0]);
        p.deadline = setTimeout(() => tls.terminate(), handshakeMs);
      },
      // Bun wants a data or a drain handler on the raw side; with data it would be called with
      // the ciphertext of every read (a call and a buffer per request, measured), so drain.
      drain() {},
    },
  });
  return {
    port: listener.port,
    setTable(t) { table = t; },
    stop(closeActive) { listener.stop(closeActive); },
  };
}

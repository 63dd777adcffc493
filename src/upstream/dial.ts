/**
 * Opening a connection to one member, plain or TLS, for every upstream client (the engine's
 * MemberLane, the active probes' health/probe.ts). For https:// members the connect
 * timeout covers TCP and the TLS handshake, a certificate that fails verification is a connect
 * failure (no request byte was sent, so any method may go to another member), and the last TLS
 * session is offered again on the next connection (NGINX `proxy_ssl_session_reuse on`, its
 * default), which saves the certificate exchange and verification.
 */
import type { Socket, SocketHandler } from "bun";
import { isIP } from "../net/ip.ts";
import type { AbortLike } from "../proxy/cancel.ts";
import { ConnectError, tlsVerifyReason } from "./errors.ts";

/** pools.*.tls: `ca` and the client certificate (`cert`, `key`) as PEM text (routes.json names files; compile reads them). */
export interface UpstreamTls { verify: boolean; ca?: string | undefined; serverName?: string | undefined; cert?: string | undefined; key?: string | undefined }

/** Per-socket state the dialer reads: whether the socket closed before it was handed out. */
export interface Dialed { closed: boolean }

type Settle = (s: Socket<never>, err: Error | undefined) => void;

export class Dialer {
  readonly hostname: string;
  readonly port: number;
  /** "host:port", for messages. */
  readonly label: string;
  readonly #tls: Bun.TLSOptions | undefined;
  /** pools.*.tls.verify (Apache SSLProxyVerify require / none). */
  readonly #verify: boolean;
  #session: Buffer | undefined;
  /** The name the member's certificate must hold: tls.serverName, else the URL's host. */
  readonly #checkedName: string;
  /** Connections waiting for their handshake, by socket data. */
  readonly #pending = new Map<object, Settle>();
  /** Verified connections whose session (ticket) is taken at their first bytes (TLS 1.3 sends it after the handshake). */
  readonly #fresh = new Set<object>();
  readonly #wrapped = new WeakMap<object, SocketHandler<never>>();

  constructor(url: URL, tls?: UpstreamTls) {
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, "$1"); // URL keeps IPv6 bracketed; Bun.connect wants it bare
    const https = url.protocol === "https:";
    this.port = url.port === "" ? (https ? 443 : 80) : Number(url.port);
    this.label = `${url.hostname}:${this.port}`;
    this.#verify = tls?.verify ?? true;
    // RFC 6066 3: no IP literal as SNI (NGINX proxy_ssl_server_name sends none for one); "" stops
    // Bun sending the address, and the certificate is still checked against it.
    const serverName = tls?.serverName ?? (isIP(this.hostname) ? "" : undefined);
    this.#checkedName = tls?.serverName ?? this.hostname;
    const client = tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {};
    this.#tls = https ? { rejectUnauthorized: this.#verify, ca: tls?.ca, serverName, ...client } : undefined;
  }

  get tls(): boolean {
    return this.#tls !== undefined;
  }

  /** Whether a TLS session is kept for resumption (tests). */
  get hasSession(): boolean {
    return this.#session !== undefined;
  }

  /**
   * A connected socket (for TLS: handshake done, certificate verified) or a ConnectError;
   * `signal` aborting rejects with its reason. Bun.connect has no timeout of its own (the
   * kernel's is ~2 min) and cannot be cancelled, so a late socket is closed when it shows up.
   */
  connect<D extends Dialed>(data: D, handlers: SocketHandler<D>, timeoutMs: number, signal?: AbortLike): Promise<Socket<D>> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let sock: Socket<D> | undefined;
      const settle = (err: Error | undefined, s?: Socket<D>): void => {
        if (settled) return void s?.terminate();
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#pending.delete(data);
        if (err === undefined) return resolve(s!);
        this.#fresh.delete(data);
        (s ?? sock)?.terminate();
        reject(err);
      };
      const onAbort = (): void => settle(signal!.reason as Error);
      const timer = setTimeout(() => {
        const what = sock && this.#tls ? `TLS handshake with ${this.label}` : `connect to ${this.label}`;
        settle(new ConnectError("ETIMEDOUT", `${what} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort);
      if (this.#tls) this.#pending.set(data, (s, err) => settle(err, s as Socket<D>));
      const socket = this.#tls ? (this.#wrap(handlers) as unknown as SocketHandler<D>) : handlers;
      Bun.connect<D>({ hostname: this.hostname, port: this.port, tls: this.#tls, data, socket }).then(
        (s) => {
          sock = s;
          if (settled) return void s.terminate(); // too late: nobody waits for it any more
          if (data.closed) return settle(new ConnectError("ECONNRESET", `${this.label} closed the connection at once`));
          if (!this.#tls) settle(undefined, s); // TLS: the handshake handler settles
        },
        (err: unknown) => {
          const code = (err as { code?: unknown } | null)?.code;
          const c = typeof code === "string" ? code : "ECONNECT";
          settle(new ConnectError(c, `connect ${c} ${this.label}`, { cause: err }));
        },
      );
    });
  }

  /** The caller's handlers with the TLS steps around them: offer the session, await the handshake, keep the new session. */
  #wrap<D extends Dialed>(inner: SocketHandler<D>): SocketHandler<D> {
    const known = this.#wrapped.get(inner);
    if (known) return known as SocketHandler<D>;
    const pending = this.#pending;
    const fresh = this.#fresh;
    const failed = (s: Socket<D>, err: Error | undefined): void => {
      const settle = pending.get(s.data);
      fresh.delete(s.data);
      if (settle) settle(s as Socket<never>, new ConnectError("ECONNRESET", `TLS: ${this.label} closed the connection during the handshake${err ? ` (${err.message})` : ""}`));
    };
    const wrapped: SocketHandler<D> = {
      ...inner,
      open: (s) => {
        // Only before the handshake starts, and only on a socket with a handshake handler (Bun).
        if (this.#session) s.setSession(this.#session);
        return inner.open?.(s);
      },
      handshake: (s, ok, authError) => {
        const settle = pending.get(s.data);
        if (!settle) return;
        const code = (authError as { code?: unknown } | null)?.code;
        // verify: false takes any certificate (Apache SSLProxyVerify none, NGINX proxy_ssl_verify
        // off). Bun 1.4.5 reports an untrusted chain or another host's name as !ok even with
        // rejectUnauthorized false, so the verification error is let go here.
        const accepted = ok || (!this.#verify && typeof code === "string");
        if (accepted) fresh.add(s.data);
        const why = typeof code === "string" ? tlsVerifyReason(code, authError?.message ?? code, this.#checkedName) : authError?.message ?? "handshake failed";
        settle(s as Socket<never>, accepted ? undefined : new ConnectError(typeof code === "string" ? code : "ETLS", `TLS: ${why}`));
      },
      data: (s, d) => {
        if (fresh.size !== 0 && fresh.delete(s.data)) this.#session = (s.getSession() as unknown as Buffer | undefined) ?? this.#session;
        return inner.data?.(s, d);
      },
      close: (s, err) => {
        failed(s, err);
        return inner.close?.(s, err);
      },
      error: (s, err) => {
        failed(s, err);
        return inner.error?.(s, err);
      },
    };
    this.#wrapped.set(inner, wrapped as SocketHandler<never>);
    return wrapped;
  }
}

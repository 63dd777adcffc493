import type { Socket, SocketHandler } from "bun";
import { UpstreamConnection, type ConnectionOwner } from "./connection.ts";
import { ConnectError } from "./errors.ts";

export { ConnectError, UpstreamError } from "./errors.ts";
import type { AbortLike } from "../proxy/cancel.ts";

export interface UpstreamRequest {
  method: string;
  /** request-target for the request line, e.g. "/a/b?q=1", sent byte for byte */
  target: string;
  /** final headers: written exactly (plus body framing), nothing else is added */
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  /** abort => destroy the socket, reject the promise / error the body stream with signal.reason */
  signal?: AbortLike | undefined;
}

export interface ConnectOptions {
  connectTimeoutMs: number;
}

export interface UpstreamClientOptions {
  /** idle keep-alive sockets kept, default 1024 */
  maxIdle?: number;
  /** idle sockets older than this are closed, default 60000 */
  idleTimeoutMs?: number;
}

/** One handler object for every socket: per-socket state lives in socket.data. */
const HANDLERS: SocketHandler<UpstreamConnection> = {
  open(socket: Socket<UpstreamConnection>) {
    socket.data.socket = socket;
    socket.setNoDelay(true);
  },
  data(socket: Socket<UpstreamConnection>, data: Buffer) {
    socket.data.onData(data);
  },
  drain(socket: Socket<UpstreamConnection>) {
    socket.data.onDrain();
  },
  close(socket: Socket<UpstreamConnection>, error?: Error) {
    socket.data.onClose(error);
  },
  error(socket: Socket<UpstreamConnection>, error: Error) {
    socket.data.onClose(error);
  },
  // Without this handler a failed connect is also reported as an unhandled rejection.
  connectError() {},
};

/**
 * HTTP/1.1 client for one upstream origin (http://host:port), with a LIFO
 * keep-alive pool: no cap on concurrent connections, at most maxIdle idle.
 */
export class UpstreamClient implements ConnectionOwner {
  private readonly hostname: string;
  private readonly port: number;
  private readonly maxIdle: number;
  private readonly idleTimeoutMs: number;
  private readonly idle: UpstreamConnection[] = [];
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(origin: URL, opts: UpstreamClientOptions = {}) {
    if (origin.protocol !== "http:") throw new TypeError(`UpstreamClient only speaks http:, got ${origin.protocol}`);
    // URL keeps IPv6 literals bracketed; Bun.connect wants the bare address.
    this.hostname = origin.hostname.replace(/^\[(.*)\]$/, "$1");
    this.port = origin.port === "" ? 80 : Number(origin.port);
    this.maxIdle = opts.maxIdle ?? 1024;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  }

  /** Number of idle pooled sockets (for metrics and tests). */
  get idleCount(): number {
    return this.idle.length;
  }

  /**
   * Sends the request on an idle pooled socket (or a new one) and resolves at
   * the final response head. Rejects with ConnectError if no connection could
   * be made, UpstreamError after that, or signal.reason on abort.
   */
  request(req: UpstreamRequest, opts: ConnectOptions): Promise<Response> {
    if (req.signal?.aborted) return Promise.reject(req.signal.reason);
    const pooled = this.takeIdle();
    if (pooled !== null) return pooled.send(req, opts, true);
    return this.connect(opts.connectTimeoutMs, req.signal).then((conn) => conn.send(req, opts, false));
  }

  retry(req: UpstreamRequest, opts: ConnectOptions): Promise<Response> {
    return this.connect(opts.connectTimeoutMs, req.signal).then((conn) => conn.send(req, opts, false));
  }

  close(): void {
    this.closed = true;
    for (const conn of this.idle.splice(0)) {
      conn.idle = false;
      conn.end();
    }
    this.stopSweeper();
  }

  release(conn: UpstreamConnection): void {
    if (this.closed || this.idle.length >= this.maxIdle) {
      conn.end();
      return;
    }
    conn.idle = true;
    conn.idleSince = performance.now();
    this.idle.push(conn);
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(250, this.idleTimeoutMs / 4));
      this.sweeper.unref();
    }
  }

  forget(conn: UpstreamConnection): void {
    conn.idle = false;
    const i = this.idle.lastIndexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
  }

  private takeIdle(): UpstreamConnection | null {
    // LIFO: the most recently used socket is the least likely to have been closed by the server.
    for (let conn = this.idle.pop(); conn !== undefined; conn = this.idle.pop()) {
      conn.idle = false;
      if (!conn.closed) return conn;
    }
    return null;
  }

  private sweep(): void {
    const cutoff = performance.now() - this.idleTimeoutMs;
    let n = 0;
    // Oldest sockets sit at the bottom of the LIFO stack.
    while (n < this.idle.length && this.idle[n]!.idleSince <= cutoff) n++;
    for (const conn of this.idle.splice(0, n)) {
      conn.idle = false;
      conn.end();
    }
    if (this.idle.length === 0) this.stopSweeper();
  }

  private stopSweeper(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private connect(timeoutMs: number, signal: AbortLike | undefined): Promise<UpstreamConnection> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const conn = new UpstreamConnection(this);
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(signal!.reason);
      };
      // Bun.connect has no timeout of its own (the kernel's is ~2 min) and cannot be
      // cancelled, so a late socket is closed as soon as it shows up.
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        reject(new ConnectError("ETIMEDOUT", `connect to ${this.hostname}:${this.port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort);
      Bun.connect<UpstreamConnection>({ hostname: this.hostname, port: this.port, data: conn, socket: HANDLERS }).then(
        (socket) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          if (settled) {
            socket.terminate();
            return;
          }
          settled = true;
          if (conn.closed) reject(new ConnectError("ECONNRESET", `${this.hostname}:${this.port} closed the connection at once`));
          else resolve(conn);
        },
        (err: unknown) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          if (settled) return;
          settled = true;
          const code = (err as { code?: unknown } | null)?.code;
          const message = err instanceof Error ? err.message : String(err);
          reject(new ConnectError(typeof code === "string" ? code : "ECONNECT", `connect to ${this.hostname}:${this.port}: ${message}`, { cause: err }));
        },
      );
    });
  }
}

import type { Socket, SocketHandler } from "bun";
import { UpstreamConnection, type ConnectionOwner } from "./connection.ts";
import { Dialer } from "./dial.ts";

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
 * HTTP/1.1 client for one upstream origin (http:// or https://, see dial.ts), with a LIFO
 * keep-alive pool: no cap on concurrent connections, at most maxIdle idle.
 */
export class UpstreamClient implements ConnectionOwner {
  readonly dialer: Dialer;
  private readonly maxIdle: number;
  private readonly idleTimeoutMs: number;
  private readonly idle: UpstreamConnection[] = [];
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  /** `origin`: an http:// URL, or a Dialer (https:// members, or one shared with the engine). */
  constructor(origin: URL | Dialer, opts: UpstreamClientOptions = {}) {
    if (origin instanceof URL && origin.protocol !== "http:") throw new TypeError(`UpstreamClient needs a Dialer with TLS settings for ${origin.protocol}, got a URL`);
    this.dialer = origin instanceof URL ? new Dialer(origin) : origin;
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
    const conn = new UpstreamConnection(this);
    return this.dialer.connect(conn, HANDLERS, timeoutMs, signal).then(() => conn);
  }
}

/**
 * The socket side of a client connection (client-conn.ts and request-intake.ts are its request state machine): bytes
 * out through a write queue (write-queue.ts), reading paused while the proxy cannot take more,
 * and the two ways it closes: once every answer is out, or cut at once. A base class rather
 * than a helper object so that a connection stays one allocation.
 */
import { plainIp } from "../proxy/headers.ts";
import type { ClientSocket } from "./client-socket.ts";
import { WriteQueue } from "./write-queue.ts";

/**
 * NGINX's lingering close (lingering_time 30s, lingering_timeout 5s): a connection closed while
 * the client may still be sending (a body we did not read: a 413, an early answer from the
 * member) sends FIN and reads on, discarding, until the client closes or these run out. Closing
 * with unread bytes would make the kernel answer them with a reset, which can destroy the
 * answer before the client reads it (curl: "Send failure: Broken pipe" instead of the 413).
 */
export const LINGER_SEC = 5;
export const LINGER_MAX_MS = 30_000;

export class ClientOutput {
  readonly ip: string;
  readonly sock: ClientSocket;
  protected readonly out: WriteQueue;
  /** The connection closes once its queue is out; nothing more is read (RFC 9112 9.6). */
  protected closeWhenFlushed = false;
  /** Cut or closed by the client: bytes sent now go nowhere. */
  protected closed = false;
  /** When lingering began (performance.now()). */
  protected lingerSince: number | undefined;
  #linger = false;
  #paused = false;

  constructor(sock: ClientSocket) {
    this.sock = sock;
    this.out = new WriteQueue(sock);
    this.ip = plainIp(sock.remoteAddress);
  }

  /** Writes or queues bytes for the client; false when some had to be queued (backpressure). */
  send(bytes: Uint8Array): boolean {
    return this.closed || this.out.send(bytes);
  }

  /** On drain: true once the queue is out on a connection that stays open. */
  protected flushed(): boolean {
    if (!this.out.flush()) return false;
    if (!this.closeWhenFlushed) return true;
    this.#finish();
    return false;
  }

  /** Cuts the connection: a truncated body must not look complete. */
  abort(): void {
    this.closed = true;
    this.sock.terminate();
  }

  pauseReading(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.sock.pause();
    }
  }

  resumeReading(): void {
    if (this.#paused) {
      this.#paused = false;
      this.sock.resume();
    }
  }

  protected closeAfterFlush(): void {
    this.closeWhenFlushed = true;
    if (this.out.empty) this.#finish();
  }

  /** closeAfterFlush for a client that may still be sending: linger instead of a reset. */
  protected lingerAfterFlush(): void {
    this.#linger = true;
    this.closeAfterFlush();
  }

  /** Client bytes after the close was decided: discarded; past LINGER_MAX_MS of lingering, closed. */
  protected lingerRead(): void {
    if (this.lingerSince !== undefined && performance.now() - this.lingerSince > LINGER_MAX_MS) this.sock.terminate();
  }

  #finish(): void {
    if (!this.#linger || this.closed) return this.sock.end();
    if (this.lingerSince !== undefined) return;
    this.lingerSince = performance.now();
    this.sock.shutdown();
    this.resumeReading();
    this.sock.timeout(LINGER_SEC);
  }
}

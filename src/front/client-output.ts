/**
 * The socket side of a client connection (client-conn.ts and request-intake.ts are its request state machine): bytes
 * out through a write queue (write-queue.ts), reading paused while the proxy cannot take more,
 * and the two ways it closes: once every answer is out, or cut at once. A base class rather
 * than a helper object so that a connection stays one allocation.
 */
import { plainIp } from "../proxy/headers.ts";
import type { ClientSocket } from "./client-socket.ts";
import { WriteQueue } from "./write-queue.ts";

export class ClientOutput {
  readonly ip: string;
  readonly sock: ClientSocket;
  protected readonly out: WriteQueue;
  /** The connection closes once its queue is out; nothing more is read (RFC 9112 9.6). */
  protected closeWhenFlushed = false;
  /** Cut or closed by the client: bytes sent now go nowhere. */
  protected closed = false;
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
    this.sock.end();
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
    if (this.out.empty) this.sock.end();
  }
}

import type { Socket } from "bun";
import { UpstreamError } from "./errors.ts";
import { frameChunk, LAST_CHUNK } from "./request-head.ts";

/** Receives the outcome of one request's body upload. */
export interface PumpOwner {
  requestSent(seq: number): void;
  requestFailed(seq: number, err: unknown): void;
}

/**
 * Writes one request (head, then body) to the socket, honouring backpressure:
 * Bun's socket.write() is unbuffered and returns how many bytes the kernel
 * took, so the rest is held here and re-written from the `drain` handler;
 * the next body chunk is read only once everything before it is written.
 * Memory per upload is therefore one chunk, however slow the upstream.
 */
export class BodyPump {
  private readonly socket: Socket<unknown>;
  private readonly seq: number;
  private readonly owner: PumpOwner;
  private pendingWrite: Uint8Array | null = null;
  private waiter: (() => void) | null = null;
  private reader: { cancel(reason?: unknown): Promise<void> } | null = null;
  private aborted = false;

  constructor(socket: Socket<unknown>, seq: number, owner: PumpOwner) {
    this.socket = socket;
    this.seq = seq;
    this.owner = owner;
  }

  /** Holds data[written..] that the socket did not take, for the drain handler. */
  keepUnwritten(data: string | Uint8Array, written: number): void {
    // Strings written here are ASCII (see buildRequestHead), so chars == bytes.
    this.pendingWrite = typeof data === "string" ? Buffer.from(data.slice(written), "latin1") : data.subarray(written);
  }

  /** Returns false when the socket is already closed. */
  write(data: string | Uint8Array): boolean {
    const n = this.socket.write(data);
    if (n < 0) return false;
    if (n < data.length) this.keepUnwritten(data, n);
    return true;
  }

  drain(): void {
    const p = this.pendingWrite;
    if (p === null) return;
    const n = this.socket.write(p);
    if (n < 0) return; // the close handler ends the exchange
    if (n < p.length) {
      this.pendingWrite = p.subarray(n);
      return;
    }
    this.pendingWrite = null;
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Stops the upload: wakes a waiting pump and cancels the body stream. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    const w = this.waiter;
    this.waiter = null;
    w?.();
    this.reader?.cancel(reason).catch(() => {});
  }

  private flushed(): Promise<void> | null {
    return this.pendingWrite === null ? null : new Promise((resolve) => (this.waiter = resolve));
  }

  /** length >= 0: exactly that many bytes (content-length); -1: chunked. */
  async run(body: ReadableStream<Uint8Array>, length: number): Promise<void> {
    let reader: ReturnType<typeof body.getReader>;
    try {
      reader = this.reader = body.getReader();
    } catch (err) {
      this.owner.requestFailed(this.seq, new UpstreamError("EREQBODY", "request body is locked or disturbed", { cause: err }));
      return;
    }
    const chunked = length < 0;
    let sent = 0;
    try {
      let w = this.flushed();
      if (w !== null) await w;
      for (;;) {
        if (this.aborted) return;
        const r = await reader.read();
        if (this.aborted) return;
        if (r.done) break;
        const chunk = r.value;
        // An empty chunk framed as chunked would be the last-chunk (RFC 9112 §7.1): skip it.
        if (chunk.byteLength === 0) continue;
        sent += chunk.byteLength;
        if (!chunked && sent > length) throw new UpstreamError("EREQBODY", "request body longer than its content-length");
        if (!this.write(chunked ? frameChunk(chunk) : chunk)) return;
        w = this.flushed();
        if (w !== null) await w;
      }
      if (!chunked && sent !== length) throw new UpstreamError("EREQBODY", "request body shorter than its content-length");
      if (chunked && !this.write(LAST_CHUNK)) return;
      w = this.flushed();
      if (w !== null) await w;
      if (!this.aborted) this.owner.requestSent(this.seq);
    } catch (err) {
      if (this.aborted) return;
      this.aborted = true;
      reader.cancel(err).catch(() => {});
      const e = err instanceof UpstreamError ? err : new UpstreamError("EREQBODY", "request body stream failed", { cause: err });
      this.owner.requestFailed(this.seq, e);
    }
  }
}

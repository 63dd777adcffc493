/**
 * Bytes for a client socket that the kernel did not take yet, in order. A write that fits
 * goes out at once; what is left over waits for the socket's drain, as a view, not a copy:
 * what callers hand over is theirs no more (socket reads, which Bun gives each their own
 * buffer, heads made for this answer, constants nobody writes to). Copying the rest of a
 * large read on every partial write cost 5% of the CPU of a 1 MiB response (A/B, c=20).
 */
export interface Writable { write(bytes: Uint8Array): number }

export class WriteQueue {
  readonly #queue: Uint8Array[] = [];
  readonly sock: Writable;

  constructor(sock: Writable) {
    this.sock = sock;
  }

  get empty(): boolean {
    return this.#queue.length === 0;
  }

  /** Writes or queues; false when some had to wait. The caller must not change `bytes` afterwards. */
  send(bytes: Uint8Array): boolean {
    if (this.#queue.length === 0) {
      const n = this.sock.write(bytes);
      if (n >= bytes.byteLength) return true;
      this.#queue.push(n > 0 ? bytes.subarray(n) : bytes);
    } else this.#queue.push(bytes);
    return false;
  }

  /** On drain: writes what waits; true once all of it is out. */
  flush(): boolean {
    while (this.#queue.length) {
      const b = this.#queue[0]!;
      const n = this.sock.write(b);
      if (n < b.byteLength) {
        this.#queue[0] = b.subarray(Math.max(n, 0));
        return false;
      }
      this.#queue.shift();
    }
    return true;
  }
}

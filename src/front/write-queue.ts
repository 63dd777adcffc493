/**
 * Bytes for a client socket that the kernel did not take yet, in order. A write that fits
 * goes out at once and is never copied; what is left over waits for the socket's drain.
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

  /** Writes or queues (a copy: the caller's buffer may be reused); false when some had to wait. */
  send(bytes: Uint8Array): boolean {
    if (this.#queue.length === 0) {
      const n = this.sock.write(bytes);
      if (n >= bytes.byteLength) return true;
      this.#queue.push(copy(bytes, Math.max(n, 0)));
    } else this.#queue.push(copy(bytes, 0));
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

/** Buffer#slice is a view; Uint8Array's slice copies. */
function copy(bytes: Uint8Array, from: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, from);
}

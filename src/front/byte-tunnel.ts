/**
 * After a member's 101 (RFC 9110 15.2.2, 7.8): bytes both ways, never decoded, so any
 * protocol and any WebSocket extension (permessage-deflate) passes untouched, as NGINX,
 * HAProxy and Caddy relay upgraded connections. Each side is read no faster than the other
 * takes its bytes; nothing moving either way for the WebSocket idle timeout closes both.
 */
import type { Deadlines, Watch } from "../proxy/deadlines.ts";
import type { LaneSocket } from "./upstream-lane.ts";

export interface TunnelEnds {
  /** To the client; false when bytes had to be queued. */
  send(bytes: Uint8Array): boolean;
  pauseReading(): void;
  resumeReading(): void;
  /** Both sides are closed: the exchange ends (bytes to the client, bytes to the member). */
  over(bytesOut: number, bytesIn: number, why: string | undefined): void;
}

export class ByteTunnel {
  #unsent: Uint8Array | undefined;
  #watch: Watch | undefined;
  #memberPaused = false;
  #done = false;
  bytesOut = 0;
  bytesIn = 0;

  readonly sock: LaneSocket;
  readonly ends: TunnelEnds;
  readonly deadlines: Deadlines;
  readonly idleMs: number;

  constructor(sock: LaneSocket, ends: TunnelEnds, deadlines: Deadlines, idleMs: number) {
    this.sock = sock;
    this.ends = ends;
    this.deadlines = deadlines;
    this.idleMs = idleMs;
    this.#watch = deadlines.watch(idleMs, () => {
      this.#watch = undefined;
      this.close("idle timeout");
    });
  }

  fromMember(d: Uint8Array): void {
    if (this.#done) return;
    this.bytesOut += d.byteLength;
    this.#touch();
    if (!this.ends.send(d) && !this.#memberPaused) {
      this.#memberPaused = true;
      this.sock.pause();
    }
  }

  clientDrained(): void {
    if (!this.#memberPaused) return;
    this.#memberPaused = false;
    this.sock.resume();
  }

  fromClient(d: Uint8Array): void {
    if (this.#done) return;
    this.bytesIn += d.byteLength;
    this.#touch();
    if (this.#unsent) {
      this.#unsent = Buffer.concat([this.#unsent, d]);
      return;
    }
    const n = this.sock.write(d);
    if (n < d.byteLength) {
      this.#unsent = Buffer.from(d.subarray(Math.max(n, 0)));
      this.ends.pauseReading();
    }
  }

  memberDrained(): void {
    const rest = this.#unsent;
    if (!rest) return;
    const n = this.sock.write(rest);
    if (n < rest.byteLength) {
      this.#unsent = rest.subarray(Math.max(n, 0));
      return;
    }
    this.#unsent = undefined;
    this.ends.resumeReading();
  }

  /** The client sent FIN: so does the member's side (a WebSocket close handshake has ended). */
  clientEnded(): void {
    if (!this.#done) this.sock.end();
  }

  /** Either side went away (or the idle timeout): both close; the exchange is over. */
  close(why?: string): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#watch) this.deadlines.clear(this.#watch);
    this.#watch = undefined;
    this.sock.data.user = undefined;
    this.sock.terminate();
    this.ends.over(this.bytesOut, this.bytesIn, why);
  }

  #touch(): void {
    if (this.#watch) this.deadlines.extend(this.#watch, this.idleMs);
  }
}

/**
 * The way to the full spine: a connection whose request the fast lane does not take is piped,
 * bytes as they are, to the listener's internal Bun.serve (127.0.0.1, ephemeral port) for the
 * rest of its life: bodies, WebSocket upgrades, odd heads, local answers all get the spine's
 * exact behaviour. The spine learns the real client address from the registry, keyed by the
 * tunnel's local port (what Bun.serve's requestIP reports), never from a header a client could send.
 */
import type { Socket, SocketHandler } from "bun";

export class TunnelRegistry {
  readonly #byPort = new Map<number, string>();

  /** The client address behind a tunnel, by the port its internal connection comes from. */
  clientIp(port: number | undefined): string | undefined {
    return port === undefined ? undefined : this.#byPort.get(port);
  }

  add(port: number, ip: string): void {
    this.#byPort.set(port, ip);
  }

  delete(port: number): void {
    this.#byPort.delete(port);
  }
}

/** The client side as the tunnel sees it. */
export interface TunnelClient {
  readonly ip: string;
  send(bytes: Uint8Array): boolean;
  pauseReading(): void;
  resumeReading(): void;
  /** The spine's side closed: close the client once its bytes are out. */
  tunnelClosed(): void;
}

type TunnelSocket = Socket<Tunnel>;

const HANDLERS: SocketHandler<Tunnel> = {
  open(s) {
    s.setNoDelay(true);
    s.data.opened(s);
  },
  data(s, d) {
    if (!s.data.client.send(d)) s.pause(); // resumed by clientDrained
  },
  drain(s) {
    s.data.flush(s);
  },
  close(s) {
    s.data.closed();
  },
  error(s) {
    s.data.closed();
  },
  connectError() {},
};

export class Tunnel {
  #sock: TunnelSocket | undefined;
  #pending: Uint8Array[] = [];
  #port = 0;
  #done = false;

  readonly client: TunnelClient;
  readonly registry: TunnelRegistry;

  constructor(client: TunnelClient, registry: TunnelRegistry, internalPort: number, first: Uint8Array) {
    this.client = client;
    this.registry = registry;
    this.#pending.push(first);
    Bun.connect<Tunnel>({ hostname: "127.0.0.1", port: internalPort, data: this, socket: HANDLERS }).catch(() => this.closed());
  }

  opened(s: TunnelSocket): void {
    this.#sock = s;
    this.#port = s.localPort;
    this.registry.add(this.#port, this.client.ip);
    if (this.#done) return void s.end();
    this.flush(s);
  }

  /** Bytes from the client, in order. */
  fromClient(d: Uint8Array): void {
    if (this.#done) return;
    if (!this.#sock || this.#pending.length) {
      this.#pending.push(new Uint8Array(d));
      this.client.pauseReading();
      return;
    }
    const n = this.#sock.write(d);
    if (n < d.byteLength) {
      this.#pending.push(d.slice(Math.max(n, 0)));
      this.client.pauseReading();
    }
  }

  flush(s: TunnelSocket): void {
    while (this.#pending.length) {
      const b = this.#pending[0]!;
      const n = s.write(b);
      if (n < b.byteLength) {
        this.#pending[0] = b.subarray(Math.max(n, 0));
        return;
      }
      this.#pending.shift();
    }
    this.client.resumeReading();
  }

  /** The client took what we queued for it. */
  clientDrained(): void {
    this.#sock?.resume();
  }

  clientClosed(): void {
    if (this.#done) return;
    this.#done = true;
    this.#sock?.end();
  }

  closed(): void {
    if (this.#port) this.registry.delete(this.#port);
    this.#port = 0;
    this.#sock = undefined;
    if (!this.#done) {
      this.#done = true;
      this.client.tunnelClosed();
    }
  }
}

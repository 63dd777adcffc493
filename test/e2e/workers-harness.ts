/** Helpers for the `--workers` e2e tests: which process owns a connection, and connections held open. */

/** The pid of the proxy process on the far end of each connection to `port`, by the client's port (iproute2 ss). */
export async function ownersOf(port: number): Promise<Map<number, number>> {
  const out = await new Response(Bun.spawn(["ss", "-tnpH", "state", "established", `( sport = :${port} )`], { stdout: "pipe" }).stdout).text();
  const owners = new Map<number, number>();
  for (const m of out.matchAll(/:\d+\s+\S+:(\d+)\s+users:\(\("[^"]*",pid=(\d+)/g)) owners.set(Number(m[1]), Number(m[2]));
  return owners;
}

/** A keep-alive connection a test sends requests on one at a time. */
export interface HeldConnection {
  localPort: number;
  /** GET `path`; resolves with the response body. */
  get(path?: string): Promise<string>;
  close(): void;
}

/** Opens `n` keep-alive connections (HTTPS when `tls` is given), each answered once, and leaves them open. */
export async function holdConnections(port: number, n: number, tls?: { ca: string; serverName: string }): Promise<HeldConnection[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => connection(port, tls)));
  await Promise.all(conns.map((c) => c.get()));
  return conns;
}

async function connection(port: number, tls?: { ca: string; serverName: string }): Promise<HeldConnection> {
  let buf = Buffer.alloc(0);
  let waiting: ((body: string) => void) | undefined;
  const check = () => {
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0 || !waiting) return;
    const head = buf.subarray(0, end).toString("latin1");
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
    let body: Buffer | undefined;
    let rest = 0;
    if (Number.isFinite(length)) {
      if (buf.length >= end + 4 + length) body = buf.subarray(end + 4, (rest = end + 4 + length));
    } else {
      const last = buf.indexOf("\r\n0\r\n\r\n", end);
      if (last >= 0) body = dechunk(buf.subarray(end + 4, last + 7)), rest = last + 7;
    }
    if (!body) return;
    const done = waiting;
    waiting = undefined;
    const text = body.toString();
    buf = buf.subarray(rest);
    done(text);
  };
  // Bun drops what is written on a TLS socket before its handshake ends (Bun 1.4.5): wait for it.
  let shaken = () => {};
  const handshake = new Promise<void>((r) => (shaken = r));
  const socket = await Bun.connect({
    hostname: "127.0.0.1", port,
    ...(tls ? { tls: { ca: tls.ca, serverName: tls.serverName } } : {}),
    socket: { data(_s, d) { buf = Buffer.concat([buf, d]); check(); }, handshake: () => shaken() },
  });
  if (tls) await handshake;
  return {
    localPort: socket.localPort,
    get(path = "/") {
      return new Promise((resolve) => {
        waiting = resolve;
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${tls?.serverName ?? "x"}\r\n\r\n`);
      });
    },
    close: () => socket.end(),
  };
}

function dechunk(b: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf("\r\n", i);
    const size = parseInt(b.subarray(i, eol).toString("latin1"), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 4 + size;
  }
}

import type { Socket, TCPSocketListener } from "bun";

/** Per-connection state of a raw test server. */
export interface RawConn {
  id: number;
  buf: string;
}

export interface RawServer {
  port: number;
  origin: URL;
  /** connections accepted so far */
  accepted: number;
  /** every request head received, in order, exactly as bytes (latin1) */
  heads: string[];
  listener: TCPSocketListener<RawConn>;
  /** resolves when any connection of this server closes */
  closed: Promise<void>;
  stop(): void;
}

/**
 * A raw TCP "HTTP server" for tests: it splits incoming bytes into request
 * heads (requests without bodies only) and lets the test write any bytes back,
 * including malformed or truncated responses.
 */
export function rawServer(onRequest: (socket: Socket<RawConn>, head: string, server: RawServer) => void, tls?: { cert: string; key: string }): RawServer {
  const closed = Promise.withResolvers<void>();
  const server: RawServer = {
    port: 0,
    origin: new URL("http://127.0.0.1"),
    accepted: 0,
    heads: [],
    listener: null as unknown as TCPSocketListener<RawConn>,
    closed: closed.promise,
    stop: () => server.listener.stop(true),
  };
  server.listener = Bun.listen<RawConn>({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    socket: {
      open(socket) {
        socket.data = { id: server.accepted++, buf: "" };
      },
      close() {
        closed.resolve();
      },
      data(socket, data) {
        socket.data.buf += data.toString("latin1");
        for (let end = socket.data.buf.indexOf("\r\n\r\n"); end !== -1; end = socket.data.buf.indexOf("\r\n\r\n")) {
          const head = socket.data.buf.slice(0, end + 4);
          socket.data.buf = socket.data.buf.slice(end + 4);
          server.heads.push(head);
          onRequest(socket, head, server);
        }
      },
    },
  });
  server.port = server.listener.port;
  server.origin = new URL(`${tls ? "https" : "http"}://127.0.0.1:${server.port}`);
  return server;
}

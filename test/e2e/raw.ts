/** Raw TCP peers for end-to-end tests that need exact bytes on the wire. */
import type { Socket, TCPSocketListener } from "bun";

/** A raw TCP upstream: `onHead` sees each request head (requests without bodies only). */
export function rawUpstream(onHead: (s: Socket<{ buf: string }>, head: string) => void) {
  const heads: string[] = [];
  let accepted = 0;
  const listener: TCPSocketListener<{ buf: string }> = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { s.data = { buf: "" }; accepted++; },
      data(s, d) {
        s.data.buf += d.toString("latin1");
        for (let end = s.data.buf.indexOf("\r\n\r\n"); end !== -1; end = s.data.buf.indexOf("\r\n\r\n")) {
          const head = s.data.buf.slice(0, end + 4);
          s.data.buf = s.data.buf.slice(end + 4);
          heads.push(head);
          onHead(s, head);
        }
      },
    },
  });
  return { heads, accepted: () => accepted, url: `http://127.0.0.1:${listener.port}`, stop: () => listener.stop(true) };
}

/** Sends raw bytes, resolves with everything received until the proxy closes. */
export function rawRequest(url: string, text: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let buf = "";
    void Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: {
      open(s) { s.write(text); },
      data(_s, d) { buf += d.toString("latin1"); },
      close() { resolve(buf); },
    } });
  });
}


/** rawUpstream, stopped by the calling test file's cleanups (run in its afterEach). */
export function trackedRawUpstream(cleanups: (() => unknown)[]) {
  return (onHead: Parameters<typeof rawUpstream>[0]) => {
    const up = rawUpstream(onHead);
    cleanups.push(up.stop);
    return up;
  };
}

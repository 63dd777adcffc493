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
export function rawRequest(url: string, text: string | Uint8Array): Promise<string> {
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

/** `framed`: the body's bytes as they arrived (chunk sizes and trailers included). */
export interface Recorded { line: string; head: string; body: string; framed: string }

/**
 * A raw upstream that frames requests as RFC 9112 6.3 says (Content-Length, chunked, else no
 * body) and records each one: what a member would take for a request of its own shows up as
 * an entry here. Every request gets a 200 naming its request line.
 */
export function recordingUpstream(cleanups: (() => unknown)[]) {
  const requests: Recorded[] = [];
  let open = 0;
  let accepted = 0;
  const listener = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { s.data = { buf: "" }; open++; accepted++; },
      close() { open--; },
      data(s, d) {
        s.data.buf += d.toString("latin1");
        for (;;) {
          const buf = s.data.buf;
          const end = buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = buf.slice(0, end + 4);
          const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
          let body = "";
          let framed = "";
          let rest = buf.slice(end + 4);
          if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
            let at = 0;
            for (;;) {
              const eol = rest.indexOf("\r\n", at);
              if (eol < 0) return;
              const size = parseInt(rest.slice(at, eol), 16);
              if (size === 0) {
                const fin = rest.indexOf("\r\n\r\n", eol - 2);
                if (fin < 0) return;
                at = fin + 4;
                break;
              }
              if (rest.length < eol + 2 + size + 2) return;
              body += rest.slice(eol + 2, eol + 2 + size);
              at = eol + 2 + size + 2;
            }
            framed = rest.slice(0, at);
            rest = rest.slice(at);
          } else if (cl) {
            const n = Number(cl[1]);
            if (rest.length < n) return;
            body = framed = rest.slice(0, n);
            rest = rest.slice(n);
          }
          s.data.buf = rest;
          const line = head.slice(0, head.indexOf("\r\n"));
          requests.push({ line, head, body, framed });
          const text = `${line} body=${body.length}`;
          s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${text.length}\r\n\r\n${text}`);
        }
      },
    },
  });
  cleanups.push(() => listener.stop(true));
  return { requests, open: () => open, accepted: () => accepted, url: `http://127.0.0.1:${listener.port}` };
}

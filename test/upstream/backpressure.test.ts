import { expect, test } from "bun:test";
import { UpstreamClient } from "../../src/upstream/client.ts";
import { CONNECT, get } from "./raw-server.ts";

const TOTAL = 128 * 1024 * 1024;

test("a slow consumer pauses the socket: bytes in flight stay bounded", async () => {
  let sent = 0;
  const chunk = new Uint8Array(1024 * 1024).fill(120);
  // The upstream writes as fast as the socket accepts, driven by `drain`.
  const pump = (s: { write(d: Uint8Array, o?: number, l?: number): number }) => {
    while (sent < TOTAL) {
      const len = Math.min(chunk.length, TOTAL - sent);
      const n = s.write(chunk, 0, len);
      if (n > 0) sent += n;
      if (n < len) return;
    }
  };
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(s) {
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${TOTAL}\r\n\r\n`);
        pump(s);
      },
      drain: pump,
    },
  });
  const client = new UpstreamClient(new URL(`http://127.0.0.1:${server.port}`));
  try {
    const res = await client.request(get(), CONNECT);
    const reader = res.body!.getReader();
    let received = 0;
    let maxGap = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      received += r.value.byteLength;
      maxGap = Math.max(maxGap, sent - received);
      // A slow consumer: let the event loop (and the socket) run between reads.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(received).toBe(TOTAL);
    // Without pause() the client would buffer nearly everything (gap ~ TOTAL).
    // With it: stream high-water mark + kernel socket buffers + one socket read.
    expect(maxGap).toBeLessThan(24 * 1024 * 1024);
    console.log(`max bytes sent but not yet consumed: ${(maxGap / 1048576).toFixed(1)} MiB of ${TOTAL / 1048576} MiB`);
  } finally {
    client.close();
    server.stop(true);
  }
});

import { expect, test } from "bun:test";
import type { CloseInfo } from "../../src/ws/relay.ts";
import { deferred, front, portOf, upstream, wsUrl } from "./harness.ts";

// Slow by nature: Bun's smallest idle timeout is 8 s (1-7 round up).
test("a client that goes silent (no pongs) is closed after idleTimeoutSec, and the upstream is told", async () => {
  const upClosed = deferred<{ code: number; reason: string }>();
  const up = upstream({ close: (_ws, code, reason) => upClosed.resolve({ code, reason }) });
  const log = deferred<CloseInfo>();
  const fr = front(wsUrl(up), { onClose: log.resolve }, { idleTimeoutSec: 8 });
  try {
    const started = Date.now();
    // A raw client that completes the handshake and then never reads or answers pings.
    const sock = await Bun.connect({ hostname: "127.0.0.1", port: portOf(fr), socket: { data() {} } });
    sock.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    const info = await log.promise;
    const elapsed = (Date.now() - started) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(7);
    expect(elapsed).toBeLessThan(25);
    const seen = await upClosed.promise;
    console.log(`idle: closed after ${elapsed.toFixed(1)} s; front saw ${info.code}, upstream saw ${seen.code} ${JSON.stringify(seen.reason)}`);
    sock.end();
  } finally {
    fr.stop(true);
    up.stop(true);
  }
}, 30_000);

/** A fake client socket (what the kernel takes is the test's) and a front context whose one pool has no member (every request a local 503). */
import type { Socket } from "bun";
import type { RuntimePool, RuntimeRoute } from "../../src/config/runtime.ts";
import type { ClientConn } from "../../src/front/client-conn.ts";
import type { FrontContext } from "../../src/front/front-context.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { Registry } from "../../src/state/registry.ts";

export function fakeSocket() {
  const written: string[] = [];
  const state = { room: Infinity, paused: false, ended: false, terminated: false, shut: false, timeoutSec: 0 };
  const sock = {
    remoteAddress: "192.0.2.9",
    write(b: Uint8Array) {
      const n = Math.max(0, Math.min(b.byteLength, state.room));
      if (n > 0) written.push(Buffer.from(b.subarray(0, n)).toString("latin1"));
      state.room -= n;
      return n;
    },
    pause() { state.paused = true; },
    resume() { state.paused = false; },
    end() { state.ended = true; },
    shutdown() { state.shut = true; },
    terminate() { state.ended = state.terminated = true; },
    timeout(sec: number) { state.timeoutSec = sec; },
  };
  return { sock: sock as unknown as Socket<ClientConn>, written, state };
}

export function context(deadlines = new Deadlines()): { ctx: FrontContext; logged: number[] } {
  const logged: number[] = [];
  const route = { label: "/", timeouts: { connect: 1000, response: 1000, idle: 1000 }, stats: new Registry().route("/") } as unknown as RuntimeRoute;
  const pool = { name: "empty", pool: { members: [] }, retries: 0, failOnStatus: new Set(), stats: { retries: 0 } } as unknown as RuntimePool;
  const ctx: FrontContext = {
    deps: {
      choose: () => undefined, outcome: () => {}, isTrustedProxy: () => false, deadlines, wsIdleMs: 1000,
      events: () => {}, access: (e) => logged.push(e.status), lanes: new Map(), scheme: "http", port: 80, listenerPort: 80,
    },
    plan: (h) => ({ route, pool, path: h.rawPath, canonical: h.rawPath }),
    idleTimeoutSec: 10, clientTimeouts: { header: 1000, body: 1000, keepAlive: 10_000 }, stopping: false,
  };
  return { ctx, logged };
}

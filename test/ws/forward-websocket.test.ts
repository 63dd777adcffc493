/**
 * forwardWebSocket (src/proxy/websocket.ts), the spine's WebSocket step, with fake deps: which
 * member is charged, retried and logged when the handshake does not end in an upgrade.
 */
import { describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { Member } from "../../src/balancer/member.ts";
import type { RuntimePool, RuntimeRoute } from "../../src/config/runtime.ts";
import type { Exchange } from "../../src/proxy/exchange.ts";
import { forwardWebSocket, type WebSocketDeps } from "../../src/proxy/websocket.ts";
import type { WsData } from "../../src/ws/pump.ts";
import { deferred } from "./harness.ts";

const WS_HEADERS = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" };

function member(port: number): Member {
  return new Member({ url: `http://127.0.0.1:${port}`, weight: 1, route: "", standby: false, state: "active" });
}

function setup(members: Member[], req: Request, path = "/ws") {
  const calls = { chosen: [] as Member[], outcomes: [] as { origin: string; ok: boolean; reason: string }[], logs: [] as number[], events: [] as string[] };
  const pool = { name: "p", retries: members.length, upstreamTls: undefined, failOnStatus: new Set<number>() } as unknown as RuntimePool;
  const route = { label: "/", path: "/", preserveHost: true, timeouts: { connect: 30_000 } } as unknown as RuntimeRoute;
  const x: Exchange = {
    req, route, method: "GET", rawTarget: path, path, canonical: path, query: "", hostHeader: "x", hostName: "x",
    clientIp: "127.0.0.1", scheme: "http", listenerPort: 80, started: performance.now(), pool: "", member: "",
  };
  const deps: WebSocketDeps = {
    deadlines: undefined as never,
    events: ((level: string, msg: string) => calls.events.push(`${level} ${msg}`)) as never,
    isTrustedProxy: () => false,
    choose: (_pool, _x, tried) => {
      const m = members.find((c) => !tried.has(c));
      if (m) calls.chosen.push(m);
      return m;
    },
    outcome: (_pool, m, ok, reason) => calls.outcomes.push({ origin: m.origin, ok, reason }),
    log: (_x, status) => calls.logs.push(status),
  };
  return { x, pool, deps, calls };
}

const noServer = {} as Server<WsData>;

describe("forwardWebSocket", () => {
  test("an invalid subprotocol offer is answered 400 before any member is chosen", async () => {
    for (const offer of ["a, a", "a b", "\x7f"]) {
      const m = member(9);
      const req = new Request("http://x/ws", { headers: { ...WS_HEADERS, "Sec-WebSocket-Protocol": offer } });
      const { x, pool, deps, calls } = setup([m], req);
      const res = (await forwardWebSocket(x, pool, noServer, deps)) as Response | undefined;
      expect(res?.status).toBe(400);
      expect(calls.chosen).toEqual([]);
      expect(m.inflight).toBe(0);
      expect(calls.logs).toEqual([400]);
    }
  });

  test("a throw while starting the handshake gives 502 and gives the member's in-flight slot back", async () => {
    // Bun's WebSocket constructor throws on a URL with a fragment: a stand-in for any throw.
    const m = member(9);
    const { x, pool, deps, calls } = setup([m], new Request("http://x/ws", { headers: WS_HEADERS }), "/ws#frag");
    const res = (await forwardWebSocket(x, pool, noServer, deps)) as Response | undefined;
    expect(res?.status).toBe(502);
    expect(m.inflight).toBe(0);
    expect(calls.outcomes).toEqual([]);
    expect(calls.logs).toEqual([502]);
  });

  test("a client hanging up mid-handshake: 499 logged, no outcome, no retry on another member", async () => {
    const got = deferred<void>();
    const silentA = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() { got.resolve(); } } });
    const silentB = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const a = member(silentA.port), b = member(silentB.port);
      const client = new AbortController();
      const req = new Request("http://x/ws", { headers: WS_HEADERS, signal: client.signal });
      const { x, pool, deps, calls } = setup([a, b], req);
      const pending = forwardWebSocket(x, pool, noServer, deps);
      await got.promise; // the handshake request reached member A
      client.abort();
      const res = (await pending) as Response | undefined;
      expect(res?.status).toBe(499);
      expect(calls.chosen).toEqual([a]);
      expect(calls.outcomes).toEqual([]);
      expect(calls.logs).toEqual([499]);
      expect(a.inflight).toBe(0);
      expect(calls.events).toEqual([]);
    } finally {
      silentA.stop(true);
      silentB.stop(true);
    }
  });
});

import { afterEach, expect, test } from "bun:test";
import type { Server, TCPSocketListener } from "bun";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { connectClient, front, portOf, type UpData } from "./harness.ts";

const servers: Array<Server<unknown>> = [];
function track<T extends Server<never>>(s: T): T { servers.push(s as unknown as Server<unknown>); return s; }
afterEach(() => { for (const s of servers.splice(0)) s.stop(true); });

const wsHeaders = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" };

test("an upstream that accepts TCP but never answers the handshake gives 504 after connectTimeoutMs", async () => {
  const silent: TCPSocketListener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const kinds: string[] = [];
    const fr = track(front(`ws://127.0.0.1:${silent.port}/`, { connectTimeoutMs: 150, onUpstreamError: (k) => kinds.push(k) }));
    const res = await fetch(`http://127.0.0.1:${portOf(fr)}/`, { headers: wsHeaders });
    expect(res.status).toBe(504);
    expect(kinds).toEqual(["timeout"]);
  } finally {
    silent.stop(true);
  }
});

test("wss upstream: verified against a private CA with serverName; rejected without it", async () => {
  const ca = await createCA({ cn: "WS Test CA" });
  const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "ws.internal", sans: ["ws.internal"] });
  const up = track(Bun.serve<UpData>({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: leaf.certPem, key: leaf.keyPem },
    fetch: (req, s) => (s.upgrade(req, { data: { headers: req.headers, url: req.url } }) ? undefined : new Response("no", { status: 400 })),
    websocket: { message(ws, m) { ws.send(m); } },
  }));
  const url = `wss://127.0.0.1:${portOf(up)}/`;
  const trusted = track(front(url, { tls: { rejectUnauthorized: true, ca: ca.certPem, serverName: "ws.internal" } }));
  const c = await connectClient(`ws://127.0.0.1:${portOf(trusted)}/`);
  c.ws.send("over tls");
  expect(await c.messages.next()).toBe("over tls");
  c.ws.close();

  const untrusted = track(front(url, { tls: { rejectUnauthorized: true } }));
  expect((await fetch(`http://127.0.0.1:${portOf(untrusted)}/`, { headers: wsHeaders })).status).toBe(502);

  const insecure = track(front(url, { tls: { rejectUnauthorized: false } }));
  const c2 = await connectClient(`ws://127.0.0.1:${portOf(insecure)}/`);
  c2.ws.send("insecure");
  expect(await c2.messages.next()).toBe("insecure");
  c2.ws.close();
});

import { afterAll, expect, test } from "bun:test";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { listen } from "../../src/server/listen.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { loadListenerTls } from "../../src/tls/listener-tls.ts";
import { tempDir, write } from "../tls/openssl.ts";
import { captureEvents, runtimeIn } from "../tls/tls-fixtures.ts";

const dir = tempDir();
const ca = await createCA({ cn: "Reload CA" });
const issue = async (cn: string) => issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn, sans: ["app.test"] });
const first = await issue("first");
write(dir, "ca.crt", ca.certPem);
write(dir, "app.crt", first.certPem);
write(dir, "app.key", first.keyPem);

// An upstream that holds /slow until the test lets it go: a request in flight across the reload.
let arrived!: () => void;
const arrivedP = new Promise<void>((r) => (arrived = r));
let release!: () => void;
const released = new Promise<void>((r) => (release = r));
const upstream = Bun.serve({
  port: 0, hostname: "127.0.0.1",
  async fetch() {
    arrived();
    await released;
    return new Response("slow done");
  },
});
afterAll(() => upstream.stop(true));

const config = {
  listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "app.crt", key: "app.key" }] } }, { port: 0, host: "127.0.0.1", redirectHttps: { port: 8443 } }],
  pools: { slow: { members: [{ url: `http://127.0.0.1:${upstream.port}` }] } },
  routes: [{ path: "/slow", pool: "slow" }, { path: "/", respond: { status: 200, body: "hello" } }],
  accessLog: { format: "combined", path: "-" },
};

/** The subject CN a fresh TLS connection is served (openssl is a real, independent client). */
async function servedCn(port: number): Promise<string> {
  const p = Bun.spawn(["sh", "-c", `openssl s_client -connect 127.0.0.1:${port} -servername app.test </dev/null 2>/dev/null | openssl x509 -noout -subject`], { stdout: "pipe" });
  return (await new Response(p.stdout).text()).trim();
}

test("listen refuses a TLS listener without loaded certificates", () => {
  const { events } = captureEvents();
  expect(() => listen(runtimeIn(dir, config), { deadlines: new Deadlines(), events, access: () => {} })).toThrow("listeners[0].tls: no certificates loaded");
});

test("reloadTls: new connections get the new certificate on the same listener, a request in flight finishes", async () => {
  const { events } = captureEvents();
  const rt = runtimeIn(dir, config);
  const running = listen(rt, { deadlines: new Deadlines(), events, access: () => {} }, await loadListenerTls(rt, events));
  const publicPort = () => Number(new URL(running.urls[0]!).port);
  const port = publicPort();
  try {
    const tls = { ca: ca.certPem, serverName: "app.test" };
    expect(await (await fetch(`https://127.0.0.1:${port}/`, { tls })).text()).toBe("hello");
    expect(await servedCn(port)).toBe("subject=CN = first");

    const inflight = fetch(`https://127.0.0.1:${port}/slow`, { tls, keepalive: false });
    await arrivedP;

    const second = await issue("second");
    write(dir, "app.crt", second.certPem);
    write(dir, "app.key", second.keyPem);
    await running.reloadTls(await loadListenerTls(rt, events));
    expect(publicPort()).toBe(port);
    expect(await servedCn(port)).toBe("subject=CN = second");

    release();
    const r = await inflight;
    expect([r.status, await r.text()]).toEqual([200, "slow done"]);
  } finally {
    await running.stop(true);
  }
});

test("redirectHttps listener still answers 301 to https://host:port/path?query", async () => {
  const { events } = captureEvents();
  const rt = runtimeIn(dir, config);
  const running = listen(rt, { deadlines: new Deadlines(), events, access: () => {} }, await loadListenerTls(rt, events));
  try {
    const r = await fetch(`http://127.0.0.1:${new URL(running.urls[1]!).port}/a/b?x=1`, { headers: { host: "sso.example.com:8080" }, redirect: "manual" });
    expect([r.status, r.headers.get("location")]).toEqual([301, "https://sso.example.com:8443/a/b?x=1"]);
  } finally {
    await running.stop(true);
  }
});

test("a second proxy on the same TLS port fails to bind instead of silently sharing it", async () => {
  const { events } = captureEvents();
  const rt = runtimeIn(dir, config);
  const running = listen(rt, { deadlines: new Deadlines(), events, access: () => {} }, await loadListenerTls(rt, events));
  try {
    const busy = { ...config, listeners: [{ ...config.listeners[0]!, port: Number(new URL(running.urls[0]!).port) }] };
    const rt2 = runtimeIn(dir, busy);
    const tls2 = await loadListenerTls(rt2, events);
    expect(() => listen(rt2, { deadlines: new Deadlines(), events, access: () => {} }, tls2)).toThrow(/in use/);
  } finally {
    await running.stop(true);
  }
});

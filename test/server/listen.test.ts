import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/errors.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { listen, ListenerBindError, type Clock, type Running } from "../../src/server/listen.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { loadListenerTls } from "../../src/tls/listener-tls.ts";
import { tempDir, write } from "../tls/openssl.ts";
import { captureEvents, runtimeIn } from "../tls/tls-fixtures.ts";

const dir = tempDir();
const ca = await createCA({ cn: "Listen CA" });
const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "app", sans: ["app.test"] });
write(dir, "app.crt", leaf.certPem);
write(dir, "app.key", leaf.keyPem);
const clientTls = { ca: ca.certPem, serverName: "app.test" };

// /slow is held until the test lets it go: a request in flight while its listener is removed.
let arrived = Promise.withResolvers<void>();
let release = Promise.withResolvers<void>();
const upstream = Bun.serve({
  port: 0, hostname: "127.0.0.1",
  async fetch() {
    arrived.resolve();
    await release.promise;
    return new Response("slow done");
  },
});
afterAll(() => upstream.stop(true));

const plain = (port = 0) => ({ port, host: "127.0.0.1" });
const tlsListener = { port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "app.crt", key: "app.key" }] } };
const config = (body: string, listeners: object[]) => ({
  listeners,
  pools: { slow: { members: [{ url: `http://127.0.0.1:${upstream.port}` }] } },
  routes: [{ path: "/slow", pool: "slow" }, { path: "/", respond: { status: 200, body } }],
  accessLog: { format: "combined", path: "-" },
  shutdownTimeout: "5s",
});

/** Timers the test fires itself. */
function manualClock() {
  const due = new Map<number, { ms: number; fn: () => void }>();
  let n = 0;
  const clock: Clock = { after(ms, fn) { const id = n++; due.set(id, { ms, fn }); return () => due.delete(id); } };
  return { clock, due, fire: () => [...due.values()].forEach((t) => t.fn()) };
}

const opened: Running[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.stop(true);
  arrived = Promise.withResolvers();
  release = Promise.withResolvers();
});

async function start(cfg: object, clock?: Clock) {
  const { events, lines } = captureEvents();
  const rt = runtimeIn(dir, cfg);
  const deps = { deadlines: new Deadlines(), events, access: () => {} };
  const running = listen(rt, deps, await loadListenerTls(rt, events), clock);
  opened.push(running);
  const apply = async (next: object) => {
    const nrt = runtimeIn(dir, next);
    return running.apply(nrt, deps, await loadListenerTls(nrt, events));
  };
  return { running, apply, lines };
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  probe.stop(true);
  return probe.port;
}

const text = async (url: string, init: RequestInit & { tls?: object } = {}) => (await fetch(url, init)).text();
const refused = (url: string) => fetch(url, { keepalive: false }).then(() => false, () => true);

describe("apply", () => {

  test("binds added plain and TLS listeners that serve the new plan; the kept one keeps its port", async () => {
    const { running, apply } = await start(config("one", [plain()]));
    const kept = running.urls[0]!;
    const applied = await apply(config("two", [plain(), tlsListener, plain()]));
    expect(running.urls[0]).toBe(kept);
    expect(applied.added).toEqual([running.urls[1]!, running.urls[2]!]);
    expect(applied.removed).toEqual([]);
    expect(applied.certificates).toBe(false);
    expect(running.urls[1]).toStartWith("https://127.0.0.1:");
    expect(await text(kept)).toBe("two");
    expect(await text(running.urls[1]!, { tls: clientTls })).toBe("two");
    expect(await text(running.urls[2]!)).toBe("two");
  });

  test("a removed listener stops accepting, finishes the request in flight, then its drain timer is dropped", async () => {
    const { clock, due } = manualClock();
    const { running, apply, lines } = await start(config("one", [plain(), plain()]), clock);
    const gone = running.urls[1]!;
    const inflight = fetch(`${gone}/slow`);
    await arrived.promise;
    const applied = await apply(config("two", [plain()]));
    expect(applied.removed).toEqual([gone]);
    expect(running.urls).toHaveLength(1);
    expect([...due.values()].map((t) => t.ms)).toEqual([5000]);
    expect(await refused(gone)).toBe(true);
    release.resolve();
    expect(await (await inflight).text()).toBe("slow done");
    // Once its last connection closed, the drain no longer needs its deadline.
    for (let i = 0; i < 200 && due.size > 0; i++) await Bun.sleep(10);
    expect(due.size).toBe(0);
    expect(lines).toContain(`info listener ${gone} (removed): its last connection closed`);
    expect(lines.join("\n")).not.toContain("still busy");
  });

  test("a removed listener still busy at shutdownTimeout has its connections closed", async () => {
    const { clock, fire } = manualClock();
    const { running, apply, lines } = await start(config("one", [plain(), plain()]), clock);
    const inflight = fetch(`${running.urls[1]!}/slow`).then(() => "answered", () => "closed");
    await arrived.promise;
    await apply(config("two", [plain()]));
    fire();
    expect(await inflight).toBe("closed");
    expect(lines.join("\n")).toContain("(removed): still busy after 5000 ms (shutdownTimeout): closing its remaining connections");
    release.resolve();
  });

  test("a port in use fails the whole apply: nothing is bound, the old plan keeps serving", async () => {
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const { running, apply } = await start(config("one", [plain()]));
      const urls = [...running.urls];
      const free = freePort();
      const err = await apply(config("two", [plain(), { ...tlsListener, port: free }, plain(busy.port)])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListenerBindError);
      expect((err as ListenerBindError).index).toBe(2);
      expect((err as { cause: { code: string } }).cause.code).toBe("EADDRINUSE");
      expect(running.urls).toEqual(urls);
      expect(await text(urls[0]!)).toBe("one");
      // listeners[1] was bound before listeners[2] failed, and let go again
      Bun.listen({ hostname: "127.0.0.1", port: free, socket: { data() {} } }).stop(true);
    } finally {
      busy.stop(true);
    }
  });
});

test("a port still held by a listener the reload removes is refused before anything binds", async () => {
  const port = freePort();
  const { running, apply } = await start(config("one", [plain(port)]));
  const err = await apply(config("two", [{ ...tlsListener, port }])).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).issues.map((i) => i.path)).toEqual(["listeners[0].port"]);
  expect(await text(running.urls[0]!)).toBe("one");
});

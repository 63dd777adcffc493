import { describe, expect, test } from "bun:test";
import { startProxy } from "./harness.ts";

const listener = { port: 0, host: "127.0.0.1" };
const quiet = { path: "/dev/null" };

/** An upstream that can be stopped and started again on the same port, with a switchable /health. */
function node(name: string) {
  let healthy = true;
  let server: ReturnType<typeof Bun.serve> | undefined;
  let port = 0;
  const up = () => {
    server = Bun.serve({
      port, hostname: "127.0.0.1", development: false,
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path === "/health") return new Response(healthy ? "ok" : "down", { status: healthy ? 200 : 500 });
        return new Response(name);
      },
    });
    port = server.port!;
  };
  up();
  return {
    name, get url() { return `http://127.0.0.1:${port}`; },
    setHealthy(v: boolean) { healthy = v; },
    kill() { server?.stop(true); server = undefined; },
    start: up,
  };
}

describe("sticky sessions and failover (insert mode)", () => {
  test("stickiness holds across 100 requests; killing the sticky member fails over with a new cookie", async () => {
    const a = node("a"), b = node("b");
    const p = await startProxy({ listeners: [listener], pools: { app: {
      members: [{ url: a.url, route: "n1" }, { url: b.url, route: "n2" }],
      sticky: { cookie: "ROUTEID", mode: "insert" },
    } }, routes: [{ path: "/", pool: "app" }], accessLog: quiet });
    try {
      const first = await fetch(p.url + "/login");
      const cookie = first.headers.get("set-cookie")!;
      expect(cookie).toMatch(/^ROUTEID=\.n[12]; Path=\/$/);
      const owner = await first.text();
      const jar = cookie.split(";")[0]!;
      for (let i = 0; i < 100; i++) {
        const r = await fetch(p.url + "/page", { headers: { cookie: jar } });
        expect(await r.text()).toBe(owner);
        expect(r.headers.get("set-cookie")).toBeNull(); // only when the route changes
      }
      (owner === "a" ? a : b).kill();
      const after = await fetch(p.url + "/page", { headers: { cookie: jar } });
      expect(after.status).toBe(200);
      expect(await after.text()).toBe(owner === "a" ? "b" : "a");
      expect(after.headers.get("set-cookie")).toBe(`ROUTEID=.${owner === "a" ? "n2" : "n1"}; Path=/`);
    } finally { await p.stop(); a.kill(); b.kill(); }
  });

  test("route-suffix mode follows the backend's JSESSIONID and never sets it", async () => {
    const a = node("a"), b = node("b");
    const p = await startProxy({ listeners: [listener], pools: { is: {
      members: [{ url: a.url, route: "isNode1" }, { url: b.url, route: "isNode2" }],
      sticky: { cookie: "JSESSIONID", mode: "route-suffix" },
    } }, routes: [{ path: "/", pool: "is" }], accessLog: quiet });
    try {
      for (let i = 0; i < 10; i++) {
        const r = await fetch(p.url + "/x", { headers: { cookie: "JSESSIONID=7F3AC1.isNode2" } });
        expect(await r.text()).toBe("b");
        expect(r.headers.get("set-cookie")).toBeNull();
      }
      const byPath = await fetch(p.url + "/x;jsessionid=AB12.isNode1", { headers: { cookie: "JSESSIONID=7F3AC1.isNode2" } });
      expect(await byPath.text()).toBe("a"); // the URL wins, as in Apache
    } finally { await p.stop(); a.kill(); b.kill(); }
  });
});

describe("active health: a failing member leaves and comes back without restart", () => {
  test("probe failures eject within fall x interval; recovery within rise x interval", async () => {
    const a = node("a"), b = node("b");
    const interval = 200, fall = 2, rise = 2;
    const p = await startProxy({ listeners: [listener], pools: { app: {
      members: [{ url: a.url }, { url: b.url }],
      health: { active: { path: "/health", interval: `${interval}ms`, timeout: "150ms", fall, rise } },
    } }, routes: [{ path: "/", pool: "app" }], accessLog: quiet });
    try {
      a.setHealthy(false);
      const t0 = performance.now();
      await p.waitFor(/member=http:\/\/127\.0\.0\.1:\d+ ejected|ejected.*127\.0\.0\.1/);
      // Generous bound: fall probes, plus one interval of phase, plus scheduling slack.
      expect(performance.now() - t0).toBeLessThan((fall + 1) * interval + 1500);
      for (let i = 0; i < 20; i++) expect(await (await fetch(p.url + "/")).text()).toBe("b");
      a.setHealthy(true);
      const t1 = performance.now();
      await p.waitFor(/recovered/);
      expect(performance.now() - t1).toBeLessThan((rise + 1) * interval + 1500);
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) seen.add(await (await fetch(p.url + "/")).text());
      expect(seen).toEqual(new Set(["a", "b"]));
    } finally { await p.stop(); a.kill(); b.kill(); }
  });
});

describe("killing a member under load costs no failed idempotent request", () => {
  test("400 GETs, 8 at a time, one of two members killed a quarter of the way through", async () => {
    const a = node("a"), b = node("b");
    const p = await startProxy({ listeners: [listener], pools: { app: { members: [{ url: a.url }, { url: b.url }], retries: 1 } }, routes: [{ path: "/", pool: "app" }], accessLog: quiet });
    try {
      let done = 0, next = 0;
      const failures: string[] = [];
      const worker = async () => {
        while (next < 400) {
          next++;
          const r = await fetch(p.url + "/work").catch((e) => e as Error);
          if (r instanceof Error || r.status !== 200) failures.push(r instanceof Error ? r.message : String(r.status));
          else await r.text();
          if (++done === 100) a.kill();
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      expect(done).toBe(400);
      expect(failures).toEqual([]);
    } finally { await p.stop(); a.kill(); b.kill(); }
  });
});

/** The hooks from createAffinity, driven through the real spine (listen + handler) and real upstreams. */
import { afterAll, describe, expect, test } from "bun:test";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { createAffinity, setCookieLines } from "../../src/health/wire.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { listen, type Running } from "../../src/server/listen.ts";
import { REFUSED_URL } from "../e2e/harness.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Upstream answering with its own name; `/health` follows `state.healthy`. */
function upstream(name: string) {
  const state = { healthy: true };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      if (new URL(req.url).pathname === "/health") return new Response(null, { status: state.healthy ? 200 : 500 });
      return new Response(name, { headers: { "set-cookie": "app=1; Path=/" } });
    },
  });
  cleanups.push(() => server.stop(true));
  return { state, server, url: `http://127.0.0.1:${server.port}` };
}


function proxy(pool: Record<string, unknown>) {
  const config = parseConfigText(JSON.stringify({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { app: pool },
    routes: [{ path: "/", pool: "app" }],
  }));
  const rt = compile(config, { file: "/tmp/routes.json" });
  const clock = { t: 0 };
  const log: string[] = [];
  const affinity = createAffinity(rt, { events: (l, m) => log.push(`${l} ${m}`), now: () => clock.t });
  const running: Running = listen(rt, {
    deadlines: new Deadlines(), events: () => {}, access: () => {},
    choose: affinity.choose, outcome: affinity.outcome, stickyCookie: affinity.stickyCookie,
  });
  cleanups.push(() => running.stop(true), () => rt.close(), () => affinity.stop());
  const base = running.urls[0]!.replace(/\/$/, "");
  const get = async (cookie?: string, path = "/") => {
    const res = await fetch(base + path, { headers: cookie ? { cookie } : {} });
    return { status: res.status, body: await res.text(), cookies: res.headers.getSetCookie() };
  };
  return { get, clock, log, affinity, rt };
}

describe("createAffinity through the engine", () => {
  test("insert mode: cookie on first visit, none on a hit, a new one after failover", async () => {
    const a = upstream("A");
    const b = upstream("B");
    const { get } = proxy({ members: [{ url: a.url, route: "ra" }, { url: b.url, route: "rb" }], sticky: { cookie: "ROUTEID", mode: "insert" } });
    const first = await get();
    expect(first.body).toBe("A");
    expect(first.cookies).toEqual(["app=1; Path=/", "ROUTEID=.ra; Path=/"]);
    for (let i = 0; i < 3; i++) {
      const hit = await get("ROUTEID=.rb");
      expect(hit.body).toBe("B");
      expect(hit.cookies).toEqual(["app=1; Path=/"]);
    }
    const bogus = await get("ROUTEID=rb");
    expect(bogus.cookies).toContain(`ROUTEID=.${bogus.body === "A" ? "ra" : "rb"}; Path=/`);
  });

  test("a refused sticky member fails over with a new cookie, and is ejected for the next requests", async () => {
    const b = upstream("B");
    const { get, log } = proxy({ members: [{ url: REFUSED_URL, route: "ra" }, { url: b.url, route: "rb" }], sticky: { cookie: "ROUTEID", mode: "insert" } });
    const r = await get("ROUTEID=.ra");
    expect(r.body).toBe("B");
    expect(r.cookies).toContain("ROUTEID=.rb; Path=/");
    expect(log.some((l) => l.startsWith("warn pool=app member=") && l.includes("ejected for 30000ms"))).toBe(true);
    const again = await get("ROUTEID=.ra");
    expect(again.body).toBe("B");
  });

  test("failover:false answers 503 while the sticky member is ejected, and serves it after its trial", async () => {
    const a = upstream("A");
    const b = upstream("B");
    const { get, clock, affinity, rt } = proxy({
      members: [{ url: a.url, route: "ra" }, { url: b.url, route: "rb" }],
      sticky: { cookie: "JSESSIONID", mode: "route-suffix", failover: false },
    });
    const pool = rt.pools.get("app")!;
    affinity.outcome(pool, pool.pool.members[0]!, false, "connect failed");
    expect((await get("JSESSIONID=XYZ.ra")).status).toBe(503);
    expect((await get("JSESSIONID=XYZ.zz")).body).toBe("B"); // a route naming no member is no route
    clock.t += 30_000;
    const back = await get("JSESSIONID=XYZ.ra");
    expect(back.body).toBe("A");
    expect(back.cookies).toEqual(["app=1; Path=/"]); // route-suffix: the proxy sets nothing
    expect(pool.pool.members[0]!.healthy).toBe(true);
  });

  test("failover:false holds in panic mode too: every member ejected, the session's request is 503, not the other member's", async () => {
    const a = upstream("A");
    const b = upstream("B");
    const { get, affinity, rt } = proxy({
      members: [{ url: a.url, route: "ra" }, { url: b.url, route: "rb" }],
      sticky: { cookie: "JSESSIONID", mode: "route-suffix", failover: false },
    });
    const pool = rt.pools.get("app")!;
    for (const m of pool.pool.members) affinity.outcome(pool, m, false, "connect failed");
    expect((await get("JSESSIONID=XYZ.rb")).status).toBe(503);
    expect((await get("JSESSIONID=XYZ.rb")).status).toBe(503);
    // Without a session, panic mode still serves.
    expect((await get("")).status).toBe(200);
  });

  test("route-suffix: ;jsessionid= in the URL wins over the cookie", async () => {
    const a = upstream("A");
    const b = upstream("B");
    const { get } = proxy({ members: [{ url: a.url, route: "ra" }, { url: b.url, route: "rb" }], sticky: { cookie: "JSESSIONID", mode: "route-suffix" } });
    expect((await get("JSESSIONID=1.ra", "/x;jsessionid=2.rb")).body).toBe("B");
    expect((await get("JSESSIONID=1.ra", "/x")).body).toBe("A");
  });

  test("active probes take a member out and bring it back, and own recovery after a passive ejection", async () => {
    const a = upstream("A");
    const b = upstream("B");
    const { get, affinity, rt, clock } = proxy({
      members: [{ url: a.url, route: "ra" }, { url: b.url, route: "rb" }],
      sticky: { cookie: "ROUTEID", mode: "insert" },
      health: { active: { path: "/health", rise: 1, fall: 1 } },
    });
    const active = affinity.pools.get("app")!.active!;
    a.state.healthy = false;
    await active.probeOnce();
    expect((await get("ROUTEID=.ra")).body).toBe("B");
    a.state.healthy = true;
    await active.probeOnce();
    expect((await get("ROUTEID=.ra")).body).toBe("A");
    // Passive ejection with active checks: no trial, however long we wait; the probe decides.
    const pool = rt.pools.get("app")!;
    affinity.outcome(pool, pool.pool.members[0]!, false, "status 503");
    clock.t += 1_000_000;
    expect((await get("ROUTEID=.ra")).body).toBe("B");
    await active.probeOnce();
    expect((await get("ROUTEID=.ra")).body).toBe("A");
  });
});

describe("setCookieLines", () => {
  test("every Set-Cookie value of a raw response head, any case, without line ends", () => {
    const head = "HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nContent-Type: text/plain\r\nSet-Cookie:  JSESSIONID=abc.node1; Path=/ \r\nX-Set-Cookie: no\r\n\r\n";
    expect(setCookieLines(head)).toEqual(["a=1", "JSESSIONID=abc.node1; Path=/"]);
  });

  // A quadratic reading of 64 KB takes about 6 s (32 KB took 1.6 s): the 2 s timeout is the assertion.
  test("is linear in a long run of blanks: 64 KB of spaces in a cookie is read within the test's timeout", () => {
    const head = `HTTP/1.1 200 OK\r\nSet-Cookie: a=${" ".repeat(64 * 1024)}b  \t\r\n\r\n`;
    expect(setCookieLines(head)).toEqual([`a=${" ".repeat(64 * 1024)}b`]);
  }, 2000);
});

import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { echoUpstream, startProxy, tempDir, type RunningProxy } from "./harness.ts";

const ups = [echoUpstream("a"), echoUpstream("b"), echoUpstream("c")];
afterAll(() => ups.forEach((u) => u.stop()));

function config(members: string[], routes: { path: string }[], extra: object = {}): { listeners: object[]; [field: string]: unknown } {
  return {
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { web: { members: members.map((url) => ({ url })) } },
    routes: routes.map((r) => ({ path: r.path, pool: "web" })),
    accessLog: { format: "combined", path: "/dev/null" },
    ...extra,
  };
}

async function reload(p: RunningProxy, cfg: object, gen: number) {
  writeFileSync(join(p.dir, "routes.json"), JSON.stringify(cfg));
  p.proc.kill("SIGHUP");
  await Promise.race([
    p.waitFor(new RegExp(`generation ${gen};.*\\n`)), // the whole line: tests read what changed from it
    p.proc.exited.then((code) => { throw new Error(`proxy exited with ${code} while reloading:\n${p.stderr()}`); }),
  ]);
}

describe("reload on SIGHUP", () => {
  test("20 reloads (routes, members, a listener added and later removed) under keep-alive and new-connection load fail no request", async () => {
    const p = await startProxy(config([ups[0]!.url], [{ path: "/" }]));
    let ok = 0;
    let onAdded = 0;
    const failed: string[] = [];
    let running = true;
    const client = async (url: string, keepalive: boolean, go = () => running, served = () => ok++) => {
      while (go() && failed.length < 100) {
        try {
          const r = await fetch(url + "/x", { keepalive, headers: keepalive ? {} : { connection: "close" } });
          await r.text();
          if (r.status === 200) served();
          else failed.push(`${url}: status ${r.status}`);
        } catch (e) {
          failed.push(`${url}: ${(e as Error).message}`);
        }
      }
    };
    const clients = [client(p.url, true), client(p.url, true), client(p.url, false), client(p.url, false)];
    const steps = [
      () => config([ups[0]!.url], [{ path: "/" }, { path: "/added" }]),
      () => config([ups[0]!.url, ups[1]!.url], [{ path: "/" }, { path: "/added" }]),
      () => config([ups[1]!.url, ups[2]!.url], [{ path: "/" }]),
      () => config([ups[0]!.url], [{ path: "/" }]),
    ];
    // Reload 7 adds a second listener (port 0: the reload's line says where it is bound), reload 14 removes it.
    const second = (i: number) => i >= 6 && i < 13;
    let added = "";
    let sideRunning = false;
    let side: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const before = ok;
      const beforeAdded = onAdded;
      const cfg = steps[i % steps.length]!();
      if (!second(i) && second(i - 1)) {
        // Clients leave the listener before it goes: once removed it accepts no new connection.
        sideRunning = false;
        await Promise.all(side);
      }
      await reload(p, second(i) ? { ...cfg, listeners: [...cfg.listeners, { port: 0, host: "127.0.0.1" }] } : cfg, i + 2);
      const line = p.stderr().split("\n").find((l) => l.includes(`generation ${i + 2};`))!;
      if (second(i) && !second(i - 1)) {
        added = /listeners \+(\S+);/.exec(line)?.[1]?.replace(/\/$/, "") ?? "";
        expect(added).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(p.stderr()).toContain(`listening on ${added}/`);
        sideRunning = true;
        side = [client(added, true, () => sideRunning, () => (ok++, onAdded++)), client(added, false, () => sideRunning, () => (ok++, onAdded++))];
      } else if (!second(i) && second(i - 1)) {
        expect(line).toContain(`listeners -${added}/;`);
        expect(await fetch(added + "/x", { keepalive: false }).then(() => "answered", () => "refused")).toBe("refused");
      } else {
        expect(line).toContain("listeners unchanged");
      }
      // each generation serves before the next reload, on the added listener too while it is there
      const served = () => ok >= before + 20 && (!second(i) || onAdded >= beforeAdded + 5);
      while (!served() && failed.length === 0 && p.proc.exitCode === null) await Bun.sleep(5);
    }
    running = false;
    await Promise.all(clients);
    const routed = await fetch(p.url + "/added");
    expect(routed.status).toBe(200);
    await p.stop();
    expect(failed).toEqual([]);
    expect(ok).toBeGreaterThan(400);
    expect(onAdded).toBeGreaterThanOrEqual(35);
    expect(p.stderr()).toContain("members +web http://127.0.0.1");
  }, 120_000);

  test("a bad routes.json keeps the running configuration and logs every error with its path", async () => {
    const p = await startProxy(config([ups[0]!.url], [{ path: "/" }]));
    writeFileSync(join(p.dir, "routes.json"), JSON.stringify({ ...config(["htp://x"], [{ path: "/" }]), shutdownTimeout: "soon" }));
    p.proc.kill("SIGHUP");
    await p.waitFor("failed, still serving generation 1");
    expect(p.stderr()).toContain("pools.web.members[0].url");
    expect(p.stderr()).toContain("shutdownTimeout");
    const r = await fetch(p.url + "/");
    expect(((await r.json()) as { name: string }).name).toBe("a");
    await p.stop();
  });

  test("a reload adding a listener on a port in use keeps the running configuration and names the listener", async () => {
    const p = await startProxy(config([ups[0]!.url], [{ path: "/" }]));
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const cfg = config([ups[1]!.url], [{ path: "/" }]);
    writeFileSync(join(p.dir, "routes.json"), JSON.stringify({ ...cfg, listeners: [...cfg.listeners, { port: busy.port, host: "127.0.0.1" }] }));
    p.proc.kill("SIGHUP");
    await p.waitFor("failed, still serving generation 1");
    expect(p.stderr()).toContain(`listeners[1].port: ${busy.port} is in use (on 127.0.0.1)`);
    expect(((await (await fetch(p.url + "/")).json()) as { name: string }).name).toBe("a");
    busy.stop(true);
    await p.stop();
  });

  test("an ejected member stays ejected across a reload", async () => {
    let badHits = 0;
    const bad = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => (badHits++, new Response("no", { status: 503 })) });
    const pool = (extraRoute: boolean) => ({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { web: { method: "byrequests", members: [{ url: `http://127.0.0.1:${bad.port}` }, { url: ups[0]!.url }], health: { passive: { maxFails: 1, window: "10s", ejectFor: "5m", failOnStatus: [503] } } } },
      routes: [{ path: "/", pool: "web" }, ...(extraRoute ? [{ path: "/more", pool: "web" }] : [])],
      accessLog: { format: "combined", path: "/dev/null" },
    });
    const p = await startProxy(pool(false));
    for (let i = 0; i < 4; i++) await (await fetch(p.url + "/")).text();
    expect(badHits).toBe(1);
    await reload(p, pool(true), 2);
    for (let i = 0; i < 10; i++) expect((await fetch(p.url + "/more")).status).toBe(200);
    expect(badHits).toBe(1);
    await p.stop();
    bad.stop(true);
  });

  test("an open WebSocket survives a reload", async () => {
    const echo = Bun.serve({
      port: 0, hostname: "127.0.0.1",
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no", { status: 400 })),
      websocket: { message: (ws, m) => void ws.send(`echo:${m}`) },
    });
    const cfg = (more: boolean) => config([`http://127.0.0.1:${echo.port}`], more ? [{ path: "/" }, { path: "/more" }] : [{ path: "/" }]);
    const p = await startProxy(cfg(false));
    const ws = new WebSocket(p.url.replace("http", "ws") + "/ws");
    await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
    const next = () => new Promise<string>((r) => (ws.onmessage = (e) => r(String(e.data))));
    let m = next();
    ws.send("one");
    expect(await m).toBe("echo:one");
    await reload(p, cfg(true), 2);
    m = next();
    ws.send("two");
    expect(await m).toBe("echo:two");
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
    await p.stop();
    echo.stop(true);
  });
});

describe("--watch", () => {
  test("picks up a Kubernetes ConfigMap symlink swap", async () => {
    // The kubelet's layout: routes.json -> ..data/routes.json, ..data -> ..<timestamp>/
    const dir = tempDir();
    const put = (name: string, cfg: object) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, "routes.json"), JSON.stringify(cfg));
    };
    put("..v1", config([ups[0]!.url], [{ path: "/" }]));
    symlinkSync("..v1", join(dir, "..data"));
    symlinkSync("..data/routes.json", join(dir, "routes.json"));
    const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }] }, { dir, args: ["--watch"], skipWrite: true });
    expect((await (await fetch(p.url + "/")).json() as { name: string }).name).toBe("a");
    put("..v2", config([ups[1]!.url], [{ path: "/" }]));
    symlinkSync("..v2", join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    await p.waitFor("reload (--watch): generation 2;");
    expect((await (await fetch(p.url + "/")).json() as { name: string }).name).toBe("b");
    await p.stop();
  });
});

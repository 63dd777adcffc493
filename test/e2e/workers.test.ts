import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, closedPort, echoUpstream, startProxy, tempDir } from "./harness.ts";
import { binaryCerts } from "./tls-harness.ts";
import { holdConnections, ownersOf } from "./workers-harness.ts";

const up = echoUpstream("a");
afterAll(() => up.stop());

describe("--workers 2", () => {
  test("serves from both processes and survives kill -9 of one with no failed request", async () => {
    const port = closedPort();
    const p = await startProxy({
      listeners: [{ port, host: "127.0.0.1" }], pools: { web: { members: [{ url: up.url }] } },
      routes: [{ path: "/", pool: "web" }], accessLog: { format: "combined", path: "/dev/null" },
    }, { args: ["--workers", "2"] });
    await p.waitFor(/listening on[\s\S]*listening on/);
    const pids = () => [...p.stderr().matchAll(/worker \d started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids()).toHaveLength(2);
    // Both write to one stderr: each worker's own lines say which worker wrote them.
    expect(p.stderr()).toMatch(/ info worker 0: listening on http/);
    expect(p.stderr()).toMatch(/ info worker 1: listening on http/);
    const held = await holdConnections(port, 40);
    const owners = new Set((await ownersOf(port)).values());
    held.forEach((c) => c.close());
    expect([...owners].sort()).toEqual([...pids()].sort());

    let failed = 0, ok = 0, running = true;
    const client = async () => {
      while (running) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } });
          await r.text();
          r.status === 200 ? ok++ : failed++;
        } catch {
          failed++;
        }
      }
    };
    const victim = pids()[0]!;
    process.kill(victim, "SIGKILL");
    await p.waitFor("restarting in");
    await p.waitFor(/worker 0 started[\s\S]*worker 0 started/);
    await p.waitFor(/(listening on[\s\S]*){3}/);
    const clients = [client(), client()];
    while (ok < 200 && failed === 0) await Bun.sleep(5);
    running = false;
    await Promise.all(clients);
    expect(failed).toBe(0);
    await p.stop();
    expect(p.stderr()).toContain("SIGTERM: stopping 2 workers");
  }, 60_000);

  test('with eventLog "json" every line on stderr is JSON, the supervisor\'s own too; the workers\' carry "worker"', async () => {
    const port = closedPort();
    const p = await startProxy({
      listeners: [{ port, host: "127.0.0.1" }], pools: { web: { members: [{ url: up.url }] } },
      routes: [{ path: "/", pool: "web" }], accessLog: { format: "combined", path: "/dev/null" }, eventLog: { format: "json" },
    }, { args: ["--workers", "2"] });
    await p.waitFor(/listening on[\s\S]*listening on/);
    await p.stop();
    const lines = p.stderr().split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as { msg: string; worker?: number });
    expect(lines.find((l) => l.msg.startsWith("worker 0 started"))?.worker).toBeUndefined();
    expect(lines.filter((l) => l.msg.startsWith("listening on")).map((l) => l.worker).sort()).toEqual([0, 1]);
    expect(lines.some((l) => l.msg.startsWith("SIGTERM: stopping 2 workers"))).toBe(true);
  }, 30_000);

  test("a second --workers instance on the same port is refused; SIGQUIT stops gracefully; workers whose supervisor is killed stop and free the port", async () => {
    const port = closedPort();
    const config = { listeners: [{ port, host: "127.0.0.1" }], pools: { web: { members: [{ url: up.url }] } }, routes: [{ path: "/", pool: "web" }], accessLog: { format: "combined", path: "/dev/null" } };
    const p = await startProxy(config, { args: ["--workers", "2"] });
    await p.waitFor(/listening on[\s\S]*listening on/);
    const dir = tempDir();
    writeFileSync(join(dir, "routes.json"), JSON.stringify(config));
    const second = Bun.spawn([BINARY, "--routes", join(dir, "routes.json"), "--workers", "2"], { stdout: "pipe", stderr: "pipe" });
    expect(await second.exited).toBe(1);
    expect(await new Response(second.stderr).text()).toContain(`listeners[0].port: ${port} is in use`);

    const workers = [...p.stderr().matchAll(/worker \d started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    process.kill(p.proc.pid, "SIGKILL");
    await p.proc.exited;
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    for (const pid of workers) while (alive(pid)) await Bun.sleep(20); // each stops on its own (the test's timeout is the bound)
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();

    const q = await startProxy(config, { args: ["--workers", "2"] });
    await q.waitFor(/listening on[\s\S]*listening on/);
    q.proc.kill("SIGQUIT");
    expect(await q.proc.exited).toBe(0);
    expect(q.stderr()).toContain("SIGQUIT: stopping 2 workers");
  }, 60_000);

  test("serves HTTPS from both processes on one TLS listener", async () => {
    const dir = tempDir();
    await binaryCerts(dir, "localhost", "localhost,127.0.0.1");
    const port = closedPort();
    const p = await startProxy({
      listeners: [{ port, host: "127.0.0.1", tls: { certificates: [{ cert: "localhost.crt", key: "localhost.key" }] } }],
      pools: { web: { members: [{ url: up.url }] } },
      routes: [{ path: "/", pool: "web" }], accessLog: { format: "combined", path: "/dev/null" },
    }, { dir, args: ["--workers", "2"] });
    await p.waitFor(/listening on[\s\S]*listening on/);
    const pids = [...p.stderr().matchAll(/worker \d started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    const held = await holdConnections(port, 40, { ca: readFileSync(join(dir, "ca.crt"), "utf8"), serverName: "localhost" });
    const owners = await ownersOf(port);
    // Every held connection was answered over TLS; the kernel gave some to each worker.
    const bodies = await Promise.all(held.map((c) => c.get("/both")));
    held.forEach((c) => c.close());
    expect(bodies.every((b) => (JSON.parse(b) as { path: string }).path === "/both")).toBe(true);
    expect(new Set(held.map((c) => owners.get(c.localPort)))).toEqual(new Set(pids));
    // No worker crash-looped on the shared port.
    expect(p.stderr()).not.toContain("restarting in");
    await p.stop();
  }, 60_000);

  test("a killed worker restarts from the running configuration and generation, not from an unreloaded or half-edited routes.json", async () => {
    const port = closedPort();
    const cfg = (extra: object[]) => ({
      listeners: [{ port, host: "127.0.0.1" }], pools: { web: { members: [{ url: up.url }] } },
      routes: [...extra, { path: "/", pool: "web" }], accessLog: { format: "combined", path: "/dev/null" },
    });
    const p = await startProxy(cfg([]), { args: ["--workers", "2"] });
    await p.waitFor(/listening on[\s\S]*listening on/);
    const file = join(p.dir, "routes.json");
    writeFileSync(file, JSON.stringify(cfg([{ path: "/reloaded", respond: { status: 299, body: "gen2" } }])));
    p.proc.kill("SIGHUP");
    await p.waitFor(/(generation 2;[\s\S]*){2}/);
    // Not reloaded: an edit waiting on disk, then a half-written file.
    writeFileSync(file, JSON.stringify(cfg([{ path: "/unreloaded", respond: { status: 298, body: "no" } }])));
    const pids = () => [...p.stderr().matchAll(/worker (\d) started \(pid (\d+)\)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    process.kill(pids().find(([w]) => w === 0)![1], "SIGKILL");
    await p.waitFor(/worker 0 started[\s\S]*worker 0 started \(pid \d+\) with configuration generation 2/);
    await p.waitFor(/(listening on[\s\S]*){3}/);
    writeFileSync(file, "{ \"listeners\": [");
    process.kill(pids().filter(([w]) => w === 1).at(-1)![1], "SIGKILL");
    await p.waitFor(/worker 1 started[\s\S]*worker 1 started \(pid \d+\) with configuration generation 2/);
    await p.waitFor(/(listening on[\s\S]*){4}/);
    // Fresh connections reach both restarted workers: all serve generation 2, none the file on disk.
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) {
      for (const path of ["/reloaded", "/unreloaded"]) statuses.add((await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: "close" } })).status);
    }
    expect([...statuses].sort()).toEqual([200, 299]);
    expect(p.stderr()).not.toContain("restarting in 200 ms"); // no crash loop
    await p.stop();
  }, 60_000);

  test("a HUP while a worker restarts reaches it too: it reloads once up, and both serve the new routes", async () => {
    const port = closedPort();
    const cfg = (status: number) => ({
      listeners: [{ port, host: "127.0.0.1" }], pools: { web: { members: [{ url: up.url }] } },
      routes: [{ path: "/gen", respond: { status } }, { path: "/", pool: "web" }], accessLog: { format: "combined", path: "/dev/null" },
    });
    const p = await startProxy(cfg(211), { args: ["--workers", "2"] });
    await p.waitFor(/listening on[\s\S]*listening on/);
    writeFileSync(join(p.dir, "routes.json"), JSON.stringify(cfg(212)));
    const victim = Number(/worker 1 started \(pid (\d+)\)/.exec(p.stderr())![1]);
    process.kill(victim, "SIGKILL");
    await p.waitFor(/worker 1 started[\s\S]*worker 1 started/);
    p.proc.kill("SIGHUP"); // the new worker 1 is not up yet: its HUP is owed
    await p.waitFor(/worker 0: reload \(SIGHUP\): generation 2/);
    await p.waitFor(/worker 1: reload \(SIGHUP[^)]*\): generation 2/);
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) seen.add((await fetch(`http://127.0.0.1:${port}/gen`, { headers: { connection: "close" } })).status);
    expect([...seen]).toEqual([212]);
    await p.stop();
  }, 60_000);

  test("a HUP that adds a listener has each worker bind it (SO_REUSEPORT), and one that removes it has each let go", async () => {
    const [port, added] = [closedPort(), closedPort()];
    const cfg = (ports: number[]) => ({
      listeners: ports.map((p) => ({ port: p, host: "127.0.0.1" })), pools: { web: { members: [{ url: up.url }] } },
      routes: [{ path: "/", pool: "web" }], accessLog: { format: "combined", path: "/dev/null" },
    });
    const p = await startProxy(cfg([port]), { args: ["--workers", "2"] });
    await p.waitFor(/listening on[\s\S]*listening on/);
    const pids = [...p.stderr().matchAll(/worker \d started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    writeFileSync(join(p.dir, "routes.json"), JSON.stringify(cfg([port, added])));
    p.proc.kill("SIGHUP");
    await p.waitFor(new RegExp(`(generation 2;.*listeners \\+http://127\\.0\\.0\\.1:${added}/[\\s\\S]*){2}`));
    const held = await holdConnections(added, 40);
    const owners = new Set((await ownersOf(added)).values());
    held.forEach((c) => c.close());
    expect([...owners].sort()).toEqual([...pids].sort());
    writeFileSync(join(p.dir, "routes.json"), JSON.stringify(cfg([port])));
    p.proc.kill("SIGHUP");
    await p.waitFor(/(generation 3;.*listeners -http[\s\S]*){2}/);
    expect(await fetch(`http://127.0.0.1:${added}/`, { keepalive: false }).then(() => "answered", () => "refused")).toBe("refused");
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    await p.stop();
  }, 60_000);
});

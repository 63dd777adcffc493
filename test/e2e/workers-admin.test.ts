import { afterAll, describe, expect, test } from "bun:test";
import { closedPort, echoUpstream, startProxy, tempDir, writeFile, type RunningProxy } from "./harness.ts";
import { token } from "./admin-harness.ts";
import { holdConnections, ownersOf } from "./workers-harness.ts";

const a = echoUpstream("a");
const b = echoUpstream("b");
afterAll(() => (a.stop(), b.stop()));

/** `--workers 2` with an authenticated admin listener; resolves once both workers listen. */
async function twoWorkers(env: Record<string, string> = {}) {
  const dir = tempDir();
  writeFile(dir, "admin.secret", "0123456789abcdef0123456789abcdef-test\n");
  const port = closedPort();
  const adminPort = closedPort();
  const p = await startProxy({
    listeners: [{ port, host: "127.0.0.1" }],
    pools: { app: { members: [{ url: a.url, route: "n1" }, { url: b.url, route: "n2" }] } },
    routes: [{ path: "/", pool: "app" }],
    accessLog: { format: "combined", path: "/dev/null" },
    admin: { listen: `127.0.0.1:${adminPort}`, auth: { secretFile: "admin.secret" } },
  }, { dir, args: ["--workers", "2"], env });
  await p.waitFor(/info worker [01]: listening on[\s\S]*info worker [01]: listening on/);
  await p.waitFor(/answers admin calls[\s\S]*answers admin calls/);
  const pids = [...p.stderr().matchAll(/worker \d started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  const [read, write] = await Promise.all([token(dir, "read"), token(dir, "write")]);
  const admin = (path: string, init: RequestInit & { scope?: "write" } = {}) =>
    fetch(`http://127.0.0.1:${adminPort}${path}`, { ...init, headers: { authorization: `Bearer ${init.scope ? write : read}`, "content-type": "application/json" } });
  return { p, port, pids, admin };
}

const name = async (r: Promise<string>) => (JSON.parse(await r) as { name: string }).name;

/** Sums a counter family's samples on a /metrics page. */
function total(page: string, family: string): number {
  return [...page.matchAll(new RegExp(`^${family}\\{[^}]*\\} (\\S+)$`, "gm"))].reduce((s, m) => s + Number(m[1]), 0);
}

async function promtool(page: string) {
  const proc = Bun.spawn(["promtool", "check", "metrics"], { stdin: new Blob([page]), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, text: out + err };
}

describe("--workers 2: the admin listener", () => {
  let running: RunningProxy | undefined;
  afterAll(() => running?.stop());

  test("a drain through the API applies to both workers before it is answered; /metrics sums both", async () => {
    const { p, port, pids, admin } = await twoWorkers();
    running = p;
    // 40 keep-alive connections; the kernel gives some to each worker.
    const held = await holdConnections(port, 40);
    const owners = await ownersOf(port);
    expect(new Set(held.map((c) => owners.get(c.localPort)))).toEqual(new Set(pids));
    const before = await Promise.all(held.map((c) => name(c.get())));
    expect(new Set(before)).toEqual(new Set(["a", "b"]));

    const drained = await admin("/api/v1/pools/app/members/n2", { method: "PATCH", scope: "write", body: JSON.stringify({ state: "drain" }) });
    expect(drained.status).toBe(200);
    expect(drained.headers.get("edge-proxy-workers")).toBe("2/2");
    const member = (await drained.json()) as { state: string; workers: { total: number; answered: number; missing: string[] } };
    expect(member.state).toBe("drain");
    expect(member.workers).toEqual({ total: 2, answered: 2, missing: [] });

    // The same connections again (both processes), then new ones: none reaches the drained member.
    const after = await Promise.all(held.map((c) => name(c.get())));
    held.forEach((c) => c.close());
    const fresh = await Promise.all(Array.from({ length: 40 }, () => fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } }).then((r) => name(r.text()))));
    expect(new Set([...after, ...fresh])).toEqual(new Set(["a"]));

    // 160 requests in all (40 opening the held connections, 40 before, 40 after, 40 fresh) over two processes.
    const res = await admin("/metrics");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(total(page, "edge_proxy_requests_total")).toBe(160);
    expect(page).toMatch(/^edge_proxy_request_duration_seconds_count\{route="\*\/",pool="app"\} 160$/m);
    expect(page).toContain(`edge_proxy_member_state{pool="app",member="${b.url}",state="drain"} 1`);
    expect(page).toContain('edge_proxy_workers{state="answering"} 2');
    const lint = await promtool(page);
    expect(lint.text).toBe("");
    expect(lint.code).toBe(0);

    // The JSON API sums the same counters.
    const pool = (await (await admin("/api/v1/pools/app")).json()) as { members: { route: string; requests: number }[] };
    expect(pool.members.reduce((s, m) => s + m.requests, 0)).toBe(160);

    // A reload through the API reloads every worker before it answers; the drain outlives it.
    const reload = await admin("/api/v1/reload", { method: "POST", scope: "write" });
    expect(await reload.json()).toEqual({ generation: 2, workers: { total: 2, answered: 2, missing: [] } });
    expect(p.stderr().match(/reload \(API\): generation 2/g)).toHaveLength(2);
    const again = await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } }).then((r) => name(r.text()))));
    expect(new Set(again)).toEqual(new Set(["a"]));

    // kill -9 of a worker that served some of them: its replacement counts from 0, and the sum
    // keeps what the dead one had counted (a fall would read as a counter reset to Prometheus).
    const served = total(await (await admin("/metrics")).text(), "edge_proxy_requests_total");
    expect(served).toBe(180);
    process.kill(pids[0]!, "SIGKILL");
    await p.waitFor(/(answers admin calls[\s\S]*){3}/);
    const restarted = await (await admin("/metrics")).text();
    expect(restarted).toContain('edge_proxy_workers{state="answering"} 2');
    expect(total(restarted, "edge_proxy_requests_total")).toBe(180);
  }, 60_000);

  test("a body over the admin limit is refused by the supervisor, with or without a token, before any worker reads it", async () => {
    await running?.stop();
    const { p, admin } = await twoWorkers();
    running = p;
    const url = p.stderr().match(/admin listening on (http:\/\/[^ ]+)/)![1]!;
    const patch = (body: string) => fetch(`${url}/api/v1/pools/app/members/n2`, { method: "PATCH", headers: { "content-type": "application/json" }, body });
    const res = await patch(JSON.stringify({ state: "disabled", pad: "x".repeat(200_000) }));
    expect(res.status).toBe(413);
    expect(res.headers.get("edge-proxy-workers")).toBeNull(); // answered without asking a worker
    expect(((await res.json()) as { error: string }).error).toContain("admin requests take at most");
    // Past Bun.serve's cap (BODY_CAP) Bun refuses it itself, before the handler: still nothing read.
    const started = performance.now();
    expect((await patch(JSON.stringify({ state: "disabled", pad: "x".repeat(10_000_000) }))).status).toBe(413);
    expect(performance.now() - started).toBeLessThan(2000);
    const withToken = await admin("/api/v1/pools/app/members/n2", { method: "PATCH", scope: "write", body: JSON.stringify({ state: "disabled", pad: "x".repeat(200_000) }) });
    expect(withToken.status).toBe(413);
    const pool = (await (await admin("/api/v1/pools/app")).json()) as { members: { route: string; state: string }[] };
    expect(pool.members.find((m) => m.route === "n2")!.state).toBe("active");
    await p.stop();
    running = undefined;
  });

  test("a worker that does not answer (stopped) delays the API by its timeout only and is named; a killed one not at all", async () => {
    await running?.stop();
    const { p, pids, admin } = await twoWorkers({ EDGE_ADMIN_WORKER_TIMEOUT_MS: "2000" });
    running = p;
    const stopped = pids[1]!;
    process.kill(stopped, "SIGSTOP");
    try {
      const t0 = performance.now();
      const res = await admin("/api/v1/pools/app/members/n1", { method: "PATCH", scope: "write", body: JSON.stringify({ weight: 3 }) });
      expect(performance.now() - t0).toBeLessThan(6000);
      expect(res.status).toBe(200);
      expect(res.headers.get("edge-proxy-workers")).toBe("1/2");
      const body = (await res.json()) as { weight: number; workers: { answered: number; missing: string[] } };
      expect(body.weight).toBe(3);
      expect(body.workers.missing).toEqual([`worker 1: pid ${stopped} did not answer within 2000 ms`]);
      const page = await (await admin("/metrics")).text();
      expect(page).toContain('edge_proxy_workers{state="missing"} 1');
    } finally {
      process.kill(stopped, "SIGCONT");
    }
    // Woken up, it takes the change it was sent and answers again.
    const res = await admin("/api/v1/pools/app");
    expect(res.headers.get("edge-proxy-workers")).toBe("2/2");
    const status = (await (await admin("/api/v1/status")).json()) as { workers: { answered: number } };
    expect(status.workers.answered).toBe(2);

    // A killed worker, dead or restarting, fails its part at once: no timeout is waited for.
    process.kill(pids[0]!, "SIGKILL");
    await p.waitFor(/worker 0 \(pid \d+\) exited/);
    const t0 = performance.now();
    const during = await admin("/api/v1/pools/app/members/n1", { method: "PATCH", scope: "write", body: JSON.stringify({ weight: 4 }) });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(during.status).toBe(200);
    expect(((await during.json()) as { weight: number }).weight).toBe(4);
    await p.waitFor(/(answers admin calls[\s\S]*){3}/);
    expect((await admin("/api/v1/pools/app")).headers.get("edge-proxy-workers")).toBe("2/2");
  }, 60_000);
});

import { describe, expect, test } from "bun:test";
import { createFanout } from "../../src/admin/fanout.ts";
import { answerOf, requestOf, type WorkerLink } from "../../src/admin/ipc.ts";

/** A worker link that runs `handle` on the request as the worker's admin app would; `down`: not running. */
function worker(index: number, handle: (req: Request) => Response | Promise<Response>, down = false): WorkerLink & { calls: string[] } {
  const calls: string[] = [];
  return {
    index, calls, pid: down ? undefined : 1000 + index,
    async ask(call) {
      if (down) throw new Error("not running (restarting)");
      calls.push(`${call.method} ${new URL(call.url).pathname} ${call.body ?? ""}`);
      return answerOf(await handle(requestOf(call)), call.id);
    },
  };
}

const member = (requests: number) => (req: Request) => Response.json({ route: "n1", url: "http://m", state: req.method === "PATCH" ? "drain" : "active", requests });
const get = (fan: (r: Request) => Promise<Response>, path: string, init?: RequestInit) => fan(new Request(`http://127.0.0.1:9090${path}`, init));

describe("the --workers admin fan-out", () => {
  test("a change goes to every worker with its body; the answer sums their counters and says who took part", async () => {
    const ws = [worker(0, member(2)), worker(1, member(5))];
    const fan = createFanout({ workers: () => ws, timeoutMs: 1000 });
    const res = await get(fan, "/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain"}' });
    expect(ws.map((w) => w.calls)).toEqual([['PATCH /api/v1/pools/app/members/n1 {"state":"drain"}'], ['PATCH /api/v1/pools/app/members/n1 {"state":"drain"}']]);
    expect(res.headers.get("edge-proxy-workers")).toBe("2/2");
    expect(await res.json()).toEqual({ route: "n1", url: "http://m", state: "drain", requests: 7, workers: { total: 2, answered: 2, missing: [] } });
  });

  test("a member named by a route only some workers learned is changed in every worker: those that answered 404 are asked again by its URL", async () => {
    const learned = worker(0, member(2));
    const unaware = worker(1, (req) => new URL(req.url).pathname.endsWith("/n1")
      ? Response.json({ error: 'pool app has no member with route "n1"' }, { status: 404 })
      : member(5)(req));
    const fan = createFanout({ workers: () => [learned, unaware], timeoutMs: 1000 });
    const res = await get(fan, "/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain"}' });
    expect(res.status).toBe(200);
    expect(unaware.calls).toEqual(['PATCH /api/v1/pools/app/members/n1 {"state":"drain"}', 'PATCH /api/v1/pools/app/members/http%3A%2F%2Fm {"state":"drain"}']);
    expect(((await res.json()) as { requests: number }).requests).toBe(7);
    const nowhere = await get(createFanout({ workers: () => [unaware], timeoutMs: 1000 }), "/api/v1/pools/app/members/n1", { method: "PATCH", body: "{}" });
    expect(nowhere.status).toBe(404);
  });

  test("a body declared over the admin limit is a 413 from the supervisor: no worker is asked, nothing is read", async () => {
    const ws = [worker(0, member(2)), worker(1, member(5))];
    const res = await get(createFanout({ workers: () => ws, timeoutMs: 1000 }), "/api/v1/pools/app/members/n1", { method: "PATCH", headers: { "content-length": "100000000" } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toContain("admin requests take at most");
    expect(ws.map((w) => w.calls)).toEqual([[], []]);
  });

  test("a worker that is not running is left out and named; with none running the answer is 503", async () => {
    const ws = [worker(0, member(2)), worker(1, member(5), true)];
    const res = await get(createFanout({ workers: () => ws, timeoutMs: 1000 }), "/api/v1/pools/app");
    expect(res.headers.get("edge-proxy-workers")).toBe("1/2");
    expect(res.headers.get("edge-proxy-workers-missing")).toBe("worker 1: not running (restarting)");
    expect(((await res.json()) as { requests: number }).requests).toBe(2);
    const none = await get(createFanout({ workers: () => [worker(0, member(1), true)], timeoutMs: 1000 }), "/api/v1/status");
    expect(none.status).toBe(503);
    expect(await none.json()).toEqual({ error: "no worker answered: worker 0: not running (restarting)" });
  });

  test("the worst status answers (a 401 from any worker is not hidden)", async () => {
    const ws = [worker(0, member(1)), worker(1, () => Response.json({ error: "a token is required" }, { status: 401, headers: { "www-authenticate": "Bearer" } }))];
    const res = await get(createFanout({ workers: () => ws, timeoutMs: 1000 }), "/metrics");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(await res.json()).toEqual({ error: "a token is required" });
  });

  test("the page, its login and logout go to the first worker that answers; /healthz is the supervisor's own; /readyz while any worker is ready", async () => {
    const page = worker(1, () => new Response("<html>", { headers: { "content-type": "text/html", "set-cookie": "s=1; HttpOnly" } }));
    const fan = createFanout({ workers: () => [worker(0, member(1), true), page], timeoutMs: 1000 });
    const res = await get(fan, "/");
    expect(await res.text()).toBe("<html>");
    expect(res.headers.get("set-cookie")).toBe("s=1; HttpOnly");
    expect(page.calls).toEqual(["GET / "]);
    await fan(new Request("http://admin.test/logout", { method: "POST" }));
    expect(page.calls).toEqual(["GET / ", "POST /logout "]);
    expect(await (await get(fan, "/healthz")).text()).toBe("ok");
    const ready = createFanout({ workers: () => [worker(0, () => new Response("not ready", { status: 503 })), worker(1, () => new Response("ready"))], timeoutMs: 1000 });
    const r = await get(ready, "/readyz");
    expect([r.status, await r.text()]).toEqual([200, "ready (1 of 2 workers)\n"]);
  });

  test("while the supervisor drains, /readyz is 503 at once, without asking the workers", async () => {
    const w = worker(0, () => new Response("ready"));
    const fan = createFanout({ workers: () => [w], timeoutMs: 1000, stopping: () => true });
    const r = await get(fan, "/readyz");
    expect([r.status, await r.text(), w.calls]).toEqual([503, "not ready (stopping)\n", []]);
  });

  test("/metrics is the sum of the workers' pages plus how many answered", async () => {
    const metrics = (n: number) => () => new Response(`# HELP edge_proxy_retries_total Tries.\n# TYPE edge_proxy_retries_total counter\nedge_proxy_retries_total{pool="app"} ${n}\n`, { headers: { "content-type": "text/plain; version=0.0.4" } });
    const res = await get(createFanout({ workers: () => [worker(0, metrics(2)), worker(1, metrics(3)), worker(2, metrics(9), true)], timeoutMs: 1000 }), "/metrics");
    const text = await res.text();
    expect(text).toContain('edge_proxy_retries_total{pool="app"} 5\n');
    expect(text).toContain('edge_proxy_workers{state="answering"} 2\nedge_proxy_workers{state="missing"} 1\n');
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4");
  });

  test("/metrics counters do not fall when a worker restarts (a new pid, counting from 0) or misses a read", async () => {
    let n = 50;
    const counter = () => new Response(`# TYPE edge_proxy_requests_total counter\nedge_proxy_requests_total{route="/"} ${n}\n`);
    const restarting = { ...worker(1, counter), pid: 2000 as number | undefined, down: false };
    const link: WorkerLink = { index: 1, get pid() { return restarting.pid; }, ask: (c, ms) => (restarting.down ? Promise.reject(new Error("not running (restarting)")) : restarting.ask(c, ms)) };
    const fan = createFanout({ workers: () => [worker(0, () => new Response(`# TYPE edge_proxy_requests_total counter\nedge_proxy_requests_total{route="/"} 10\n`)), link], timeoutMs: 1000 });
    const read = async () => Number(/edge_proxy_requests_total\{route="\/"\} (\d+)/.exec(await (await get(fan, "/metrics")).text())?.[1]);
    expect(await read()).toBe(60);
    restarting.down = true;
    restarting.pid = undefined;
    expect(await read()).toBe(60);
    restarting.down = false;
    restarting.pid = 2001;
    n = 3;
    expect(await read()).toBe(63);
  });
});

// The two-worker group (`npm run bench -- --two-workers`): edge-proxy `--workers 2` against
// NGINX `worker_processes 2`, both unpinned (the kernel places two workers on two cores), access
// logs on as in every leg, GET /small at 50 and 256 connections, rounds interleaved. wrk runs
// with two threads, unpinned too: on a two-core machine the load generator, the members and
// the proxy share the cores, so the figure is a ratio between the two proxies, not a ceiling.
// The single-CPU legs of `npm run bench` are not run and not changed by this group.
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { prepareLeg, type Upstreams } from "./legs.ts";
import { freePort, spawnPiped, spawnServer, stop, stopAll, waitReady } from "./proc.ts";
import { checkMembers, memberCounts } from "./runner.ts";
import { ensureTools } from "./setup.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

const WORKERS = 2;
const LEGS = ["nginx", "proxy"] as const;
type Leg = (typeof LEGS)[number];
export const WORKER_SCENARIOS = [
  { id: "workers-small-c50", label: "2 workers GET 16 B c=50", connections: 50 },
  { id: "workers-small-c256", label: "2 workers GET 16 B c=256", connections: 256 },
] as const;

type Run = { leg: Leg; round: number; scenario: string; result: Omit<WrkResult, "raw">; memberCounts: number[] };

export interface TwoWorkerOptions { rounds: number; duration: number; warmup: number; proxyCmd: string[]; out: string }

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? null : v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};

/** Until the proxy's log shows every worker listening (a leg measured with one worker would flatter nobody). */
async function allWorkersListening(log: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (((await Bun.file(log).text().catch(() => "")).match(/ info listening on /g)?.length ?? 0) >= WORKERS) return true;
    await Bun.sleep(100);
  }
  return false;
}

export async function runTwoWorkers(o: TwoWorkerOptions): Promise<number> {
  if (ensureTools(["wrk", "nginx"]).length > 0) {
    console.error("wrk or nginx is missing and could not be installed");
    return 1;
  }
  const dir = mkdtempSync("/tmp/edge-bench-workers-");
  const upstream = spawnPiped([process.execPath, `${import.meta.dir}/upstream.ts`]);
  const first = await upstream.stdout.getReader().read();
  const up: Upstreams = { ...(JSON.parse(new TextDecoder().decode(first.value)) as { ports: number[]; tlsPorts: number[] }), pid: upstream.pid };
  console.log(`two-worker group: ${o.rounds} rounds x ${WORKER_SCENARIOS.length} scenarios x ${o.duration}s (after ${o.warmup}s of warm-up per leg); nginx worker_processes ${WORKERS} vs ${o.proxyCmd.join(" ")} --workers ${WORKERS}; nothing pinned; wrk -t2; access logs on`);
  const runs: Run[] = [];
  const errors: string[] = [];
  try {
    for (let round = 1; round <= o.rounds; round++) {
      for (const leg of LEGS) {
        const port = freePort();
        const log = `${dir}/${leg}-r${round}.log`;
        const proc = spawnServer(await prepareLeg(leg, `${dir}/${leg}`, port, up, o.proxyCmd, null, WORKERS), log);
        const base = `http://127.0.0.1:${port}`;
        try {
          const notReady = (await waitReady(`${base}/small`, 16, 10_000, () => proc.exitCode === null)) ?? (await waitReady(`${base}/small`, 16, 10_000, () => proc.exitCode === null));
          if (notReady !== null || (leg === "proxy" && !(await allWorkersListening(log, 10_000)))) {
            errors.push(`${leg} round ${round}: ${notReady ?? `not all ${WORKERS} workers listening`}\n${await Bun.file(log).text().catch(() => "")}`);
            continue;
          }
          await runWrk(`${base}/small`, 50, o.warmup, null, undefined, 2);
          for (const sc of WORKER_SCENARIOS) {
            const before = await memberCounts(up, false, undefined);
            const r = await runWrk(`${base}/small`, sc.connections, o.duration, null, undefined, 2);
            await Bun.sleep(100); // in-flight upstream requests land before counting
            const deltas = (await memberCounts(up, false, undefined)).map((a, i) => a - (before[i] ?? 0));
            const { raw: _raw, ...result } = r;
            const problems = [...r.problems, ...checkMembers(deltas, r.requests, false)];
            runs.push({ leg, round, scenario: sc.id, result: { ...result, problems, valid: problems.length === 0 }, memberCounts: deltas });
            console.log(`  ${leg.padEnd(6)} ${sc.label.padEnd(25)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50Ms?.toFixed(2) ?? "?"}ms p99 ${r.p99Ms?.toFixed(2) ?? "?"}ms${problems.length ? `  INVALID: ${problems.join("; ")}` : ""}`);
          }
        } finally {
          await stop(proc);
        }
      }
    }
  } finally {
    await stopAll();
  }
  const figures = WORKER_SCENARIOS.map((sc) => {
    const of = (leg: Leg) => runs.filter((r) => r.leg === leg && r.scenario === sc.id);
    const rps = (leg: Leg) => median(of(leg).map((r) => r.result.rps));
    const p99 = (leg: Leg) => median(of(leg).flatMap((r) => (r.result.p99Ms === null ? [] : [r.result.p99Ms])));
    const [n, p, n99, p99p] = [rps("nginx"), rps("proxy"), p99("nginx"), p99("proxy")];
    return {
      scenario: sc.id, label: sc.label, nginxRps: n, proxyRps: p, nginxP99Ms: n99, proxyP99Ms: p99p,
      ratioToNginx: n && p !== null ? p / n : null, p99RatioToNginx: n99 && p99p !== null ? p99p / n99 : null,
      valid: [...of("nginx"), ...of("proxy")].every((r) => r.result.valid) && of("nginx").length > 0 && of("proxy").length > 0,
    };
  });
  console.log("\nscenario                   nginx req/s  proxy req/s  proxy/nginx  p99 proxy/nginx");
  for (const f of figures) {
    const num = (x: number | null, d = 0) => (x === null ? "?" : x.toFixed(d));
    console.log(`${f.label.padEnd(26)} ${num(f.nginxRps).padStart(11)}  ${num(f.proxyRps).padStart(11)}  ${num(f.ratioToNginx, 2).padStart(10)}x  ${num(f.p99RatioToNginx, 2).padStart(14)}x${f.valid ? "" : "  INVALID"}`);
  }
  for (const e of errors) console.log(`error: ${e}`);
  mkdirSync(dirname(o.out), { recursive: true });
  await Bun.write(o.out, `${JSON.stringify({ date: new Date().toISOString(), settings: { ...o, workers: WORKERS, pinned: false, wrk: "wrk -t2 --latency --timeout 5s" }, figures, errors, runs }, null, 2)}\n`);
  console.log(`\nwrote ${o.out}`);
  upstream.kill();
  rmSync(dir, { recursive: true, force: true });
  return errors.length === 0 && figures.every((f) => f.valid) ? 0 : 1;
}

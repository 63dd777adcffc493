// What counting costs the data path: the same proxy built twice, once as shipped and once with
// counting compiled out (scripts/build.ts compileCommand(..., "off"): src/metrics/record.ts
// COUNTING folded to false, so recordExchange and the refusal counter do nothing), driven
// with the bench's GET 16 B and POST 1 KiB scenarios at 50 connections.
//   bun scripts/bench/metrics-ab.ts [--rounds 5] [--duration 5] [--warmup 10] [--only small-c50,post-c50]
// Same set-up as `npm run bench`: the bench's two upstream members, access log on (a file),
// the proxy pinned to CPU 0, wrk and the members on CPU 1. Rounds are interleaved and the
// order alternates (on, off, off, on, ...) so drift over time favours neither binary. Prints
// req/s per round and the median of each, with counting's cost as the % difference.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compileCommand } from "../build.ts";
import { prepareLeg, type Upstreams } from "./legs.ts";
import { startNoise } from "./noise.ts";
import { freePort, pinned, pinSelf, spawnPiped, spawnServer, stop, stopAll, waitReady } from "./proc.ts";
import { WRK_CPU } from "./runner.ts";
import { SCENARIOS } from "./scenarios.ts";
import { ensureTools } from "./setup.ts";
import { POST_LUA, runWrk } from "./wrk.ts";

type Variant = "on" | "off";
const { values } = parseArgs({ options: { rounds: { type: "string" }, duration: { type: "string" }, warmup: { type: "string" }, only: { type: "string" } } });
const rounds = Number(values.rounds ?? 5), duration = Number(values.duration ?? 5), warmup = Number(values.warmup ?? 10);
const scenarios = SCENARIOS.filter((s) => (values.only ?? "small-c50,post-c50").split(",").includes(s.id) && !s.tls && s.path === "/small");
if (![rounds, duration].every((n) => Number.isInteger(n) && n > 0) || !Number.isInteger(warmup) || warmup < 0 || scenarios.length === 0) {
  console.error("usage: bun scripts/bench/metrics-ab.ts [--rounds N>0] [--duration S>0] [--warmup S>=0] [--only small-c50,post-c50]");
  process.exit(2);
}
if (ensureTools(["wrk"]).length > 0) {
  console.error("wrk is missing and could not be installed");
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "metrics-ab-"));
const cleanup = async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
// A figure with errors (non-2xx, socket errors) compares nothing: say so in the exit code too.
process.exit(invalid ? 1 : 0);
  process.exit(130);
};
process.on("SIGINT", cleanup);
process.on("SIGTERM", cleanup);
const binary = (v: Variant) => join(dir, `proxy-counting-${v}`);
for (const v of ["on", "off"] as const) {
  const built = Bun.spawnSync(compileCommand(binary(v), v), { stdout: "ignore", stderr: "inherit" });
  if (built.exitCode !== 0) throw new Error(`building the counting-${v} binary failed`);
}

pinSelf(WRK_CPU);
const upstream = spawnPiped(pinned(WRK_CPU, [process.execPath, `${import.meta.dir}/upstream.ts`]));
const first = await upstream.stdout.getReader().read();
const up: Upstreams = { ...(JSON.parse(new TextDecoder().decode(first.value)) as { ports: number[]; tlsPorts: number[] }), pid: upstream.pid };
const postLua = join(dir, "post.lua");
await Bun.write(postLua, POST_LUA);

let invalid = false;
const rps: Record<string, Record<Variant, number[]>> = Object.fromEntries(scenarios.map((s) => [s.id, { on: [], off: [] }]));
console.log(`metrics A/B: ${rounds} rounds x ${scenarios.map((s) => s.label).join(", ")} x ${duration}s after ${warmup}s of warm-up; proxy on CPU 0, wrk + members on CPU ${WRK_CPU}; access log to a file`);
try {
  for (let r = 1; r <= rounds; r++) {
    for (const v of (r % 2 === 1 ? ["on", "off"] : ["off", "on"]) as Variant[]) {
      const port = freePort();
      const cmd = await prepareLeg("proxy", join(dir, `${v}-r${r}`), port, up, [binary(v)], null);
      const proc = spawnServer(cmd, join(dir, `${v}-r${r}.log`));
      const base = `http://127.0.0.1:${port}`;
      try {
        const notReady = await waitReady(`${base}/small`, 16, 10_000, () => proc.exitCode === null);
        if (notReady !== null) throw new Error(`counting-${v}: ${notReady} (log: ${dir}/${v}-r${r}.log)`);
        if (warmup > 0) await runWrk(`${base}/small`, 50, warmup, WRK_CPU);
        for (const sc of scenarios) {
          const noise = await startNoise([proc.pid, upstream.pid]);
          const w = await runWrk(base + sc.path, sc.connections, duration, WRK_CPU, sc.post ? postLua : undefined);
          const others = await noise.stop();
          rps[sc.id]![v].push(w.rps);
          invalid ||= !w.valid;
          const note = `${others > 0.1 ? `  (noisy: others used ${Math.round(others * 100)}% CPU)` : ""}${w.valid ? "" : `  INVALID: ${w.problems.join("; ")}`}`;
          console.log(`  round ${r} counting ${v.padEnd(3)} ${sc.label.padEnd(16)} ${Math.round(w.rps).toString().padStart(7)} req/s  p99 ${w.p99Ms?.toFixed(2) ?? "?"} ms${note}`);
        }
      } finally {
        await stop(proc);
      }
    }
  }
} finally {
  await stopAll();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log("\nscenario          counting on   counting off   on vs off (median req/s)");
for (const sc of scenarios) {
  const on = median(rps[sc.id]!.on), off = median(rps[sc.id]!.off);
  const diff = off > 0 ? ((on - off) / off) * 100 : NaN;
  console.log(`${sc.label.padEnd(16)} ${Math.round(on).toString().padStart(12)} ${Math.round(off).toString().padStart(14)}   ${diff >= 0 ? "+" : ""}${diff.toFixed(1)}%`);
}
rmSync(dir, { recursive: true, force: true });
// A figure with errors (non-2xx, socket errors) compares nothing: say so in the exit code too.
process.exit(invalid ? 1 : 0);

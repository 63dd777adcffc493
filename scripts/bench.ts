// `npm run bench`: NGINX, HAProxy and edge-proxy (dist/proxy) in front of the same two
// upstream members, driven by wrk on loopback; see scripts/bench/*.ts for the parts and
// `npm run bench -- --help` for options. Writes reports/bench.json.
//
// CPU placement (2 cores): the proxy under test gets CPU 0 to itself; wrk, the upstream
// members and this script share CPU 1. Every proxy then has the same single core (NGINX 1
// worker, HAProxy 1 thread, edge-proxy 1 process) and cannot steal cycles from the load
// generator or the members, which would otherwise make the figures depend on the scheduler.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseBenchArgs, USAGE } from "./bench/args.ts";
import { makeBenchCerts, type BenchCerts } from "./bench/certs.ts";
import { printCeiling, runCeiling, summarizeCeiling, type CeilingRun } from "./bench/ceiling.ts";
import type { LegName, Upstreams } from "./bench/legs.ts";
import { canPin, pinned, pinSelf, spawnPiped, stopAll } from "./bench/proc.ts";
import { printTable, summarize } from "./bench/report.ts";
import { runLegRound, WRK_CPU, type LegRound, type LegSource } from "./bench/runner.ts";
import { needsCerts, SCENARIOS } from "./bench/scenarios.ts";
import { ensureTools, toolVersion } from "./bench/setup.ts";
import { POST_LUA } from "./bench/wrk.ts";
import { runTwoWorkers } from "./bench/workers-leg.ts";

let args: ReturnType<typeof parseBenchArgs>;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  process.exit(2);
}

// Its own scenario group, run on its own: the single-CPU legs below stay as they are.
if (args.twoWorkers) process.exit(await runTwoWorkers({ rounds: args.rounds, duration: args.duration, warmup: args.warmup, proxyCmd: args.proxyCmd ?? ["./dist/proxy"], out: args.out }));

const missing = ensureTools(["wrk", ...args.only.filter((l) => l !== "proxy")]);
if (missing.includes("wrk")) {
  console.error("wrk is missing and could not be installed");
  process.exit(1);
}
const legs: LegName[] = args.only.filter((l) => !missing.includes(l));
for (const m of missing) console.log(`skipping ${m}: not installed and apt-get install failed`);

// The proxy leg: an already running proxy, a given command, or the built binary.
let source: LegSource = { kind: "spawn", proxyCmd: [] };
let proxyDesc = "";
if (args.target !== null) {
  source = { kind: "target", url: args.target, tlsUrl: args.targetTls, pid: args.targetPid };
  proxyDesc = `already running at ${args.target}${args.targetTls === null ? "" : ` and ${args.targetTls}`}`;
} else if (args.proxyCmd !== null) {
  source = { kind: "spawn", proxyCmd: args.proxyCmd };
  proxyDesc = args.proxyCmd.join(" ");
} else if (existsSync("dist/proxy")) {
  source = { kind: "spawn", proxyCmd: ["./dist/proxy"] };
  proxyDesc = "./dist/proxy";
} else if (legs.includes("proxy")) {
  console.log("skipping proxy: dist/proxy not found (run `npm run build`, or pass --proxy-cmd / --target)");
  legs.splice(legs.indexOf("proxy"), 1);
}
if (legs.length === 0) {
  console.error("nothing to benchmark");
  process.exit(1);
}

const dir = mkdtempSync("/tmp/edge-bench-");
const cleanup = async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
  process.exit(130);
};
process.on("SIGINT", cleanup);
process.on("SIGTERM", cleanup);

// HTTPS scenarios and the https:// members: one certificate for every leg and member, made
// by our own CLI (dist/proxy cert), which the bench thereby exercises too. Without dist/proxy
// they are skipped, saying so.
let certs: BenchCerts | null = null;
let noTls = "";
if (SCENARIOS.some(needsCerts)) {
  if (!existsSync("dist/proxy")) noTls = "dist/proxy not found (its `cert` command makes the certificates)";
  else {
    const made = await makeBenchCerts([resolve("dist/proxy")], dir);
    if (typeof made === "string") noTls = `certificates: ${made}`;
    else certs = made;
  }
  if (noTls !== "") console.log(`HTTPS scenarios skipped: ${noTls}`);
}

pinSelf(WRK_CPU);
const memberTls = certs === null ? [] : ["--tls", certs.cert, certs.key];
const upstream = spawnPiped(pinned(WRK_CPU, [process.execPath, `${import.meta.dir}/bench/upstream.ts`, ...args.upstreamPorts.map(String), ...memberTls]));
const up: Upstreams = await (async () => {
  const reader = upstream.stdout.getReader();
  const timer = setTimeout(() => upstream.kill("SIGKILL"), 10_000);
  const { value } = await reader.read();
  clearTimeout(timer);
  reader.releaseLock();
  if (value === undefined) throw new Error("upstream members did not start");
  const { ports, tlsPorts } = JSON.parse(new TextDecoder().decode(value)) as { ports: number[]; tlsPorts: number[] };
  return { ports, tlsPorts, pid: upstream.pid };
})();

console.log(`edge-proxy bench: ${args.rounds} rounds x ${SCENARIOS.length} scenarios x ${args.duration}s (after ${args.warmup}s of warm-up per leg, and ${Math.max(1, Math.ceil(args.warmup / 2))}s of each scenario's own load before its run), legs ${legs.join(", ")}`);
console.log(`upstream members on 127.0.0.1:${up.ports.join(", 127.0.0.1:")}${up.tlsPorts.length === 0 ? "" : ` and https://127.0.0.1:${up.tlsPorts.join(", https://127.0.0.1:")}`}; ${canPin ? "proxy on CPU 0, wrk + members on CPU 1" : "taskset missing: no CPU pinning"}`);
if (legs.includes("proxy")) console.log(`proxy leg: ${proxyDesc}`);
if (certs !== null) console.log(`HTTPS: every leg terminates TLS on a second port with ${certs.cert} (dist/proxy cert ca + issue; trusted via ${certs.caCert}); /s/ goes to the https:// members, verified against the same CA`);
console.log("access logs: every leg writes one line per request to a file (nginx buffer=16k flush=100ms; proxy its own accessLog; haproxy httplog lines on stdout, redirected to the file)");

const rounds: LegRound[] = [];
const ceilingRuns: CeilingRun[] = [];
const postLua = `${dir}/ceiling-post.lua`;
await Bun.write(postLua, POST_LUA);
try {
  // Interleaved (round 1: nginx, haproxy, proxy; round 2: ...) so that drift over time
  // (thermal, noisy neighbours) spreads over all legs instead of favouring one.
  for (let r = 1; r <= args.rounds; r++) {
    console.log(`round ${r}/${args.rounds}`);
    for (const leg of legs) {
      const res = await runLegRound(leg, r, source, up, dir, args.duration, args.warmup, args.retries, certs, noTls);
      if (res.error !== null) console.log(`  ${leg} failed: ${res.error}`);
      rounds.push(res);
    }
    const member = up.ports[0];
    if (member !== undefined) ceilingRuns.push(...(await runCeiling(member, r, args.duration, postLua)));
  }
} finally {
  await stopAll();
}

const { figures, legs: legSummaries } = summarize(rounds, legs);
printTable(figures, legSummaries);
const ceiling = summarizeCeiling(ceilingRuns, figures);
printCeiling(ceiling);

const report = {
  date: new Date().toISOString(),
  settings: {
    rounds: args.rounds, durationSeconds: args.duration, warmupSeconds: args.warmup, retries: args.retries, wrk: "wrk -t1 --latency --timeout 5s (POST: -s post.lua, 1 KiB body)", pinned: canPin, proxyCpu: 0, wrkCpu: WRK_CPU,
    accessLogs: { nginx: "access_log FILE combined buffer=16k flush=100ms", proxy: "accessLog { format: combined, path: FILE }", haproxy: "option httplog, log stdout format raw; stdout redirected to FILE (one write per line)" },
  },
  versions: {
    bun: Bun.version,
    nginx: legs.includes("nginx") ? toolVersion(["nginx", "-v"]) : null,
    haproxy: legs.includes("haproxy") ? toolVersion(["haproxy", "-v"]) : null,
    wrk: toolVersion(["wrk", "-v"]),
  },
  proxy: legs.includes("proxy") ? proxyDesc : null,
  // The HTTPS scenarios' certificate (`dist/proxy cert inspect` of it), or why they were skipped.
  tls: certs === null ? { skipped: noTls } : { made: "dist/proxy cert ca + cert issue (defaults: EC P-256)", inspect: certs.inspect },
  scenarios: SCENARIOS,
  figures,
  idle: legSummaries,
  ceiling,
  rounds,
  ceilingRuns,
};
mkdirSync(dirname(args.out), { recursive: true });
await Bun.write(args.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${args.out}`);
rmSync(dir, { recursive: true, force: true });
process.exit(figures.every((f) => f.valid) && legSummaries.every((l) => l.errors.length === 0) ? 0 : 1);

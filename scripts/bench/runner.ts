// One leg in one round: start it, check it answers through both members (over HTTP and, when
// there are certificates, over HTTPS), measure idle RSS, warm up, run every scenario while
// sampling RSS, check the members' request counts, stop.
import { negotiated, type BenchCerts } from "./certs.ts";
import { accessLogPath, prepareLeg, type LegName, type LegTls, type Upstreams } from "./legs.ts";
import { accepting, freePort, rssKb, sampleRss, spawnServer, stop, tree, waitReady } from "./proc.ts";
import { cpuSeconds, startNoise } from "./noise.ts";
import { SCENARIOS, toHttpsMembers } from "./scenarios.ts";
import { POST_LUA, runWrk, type WrkResult } from "./wrk.ts";

export const WRK_CPU = 1;
/** How long a started server is left alone before its start RSS is read. */
const START_SETTLE_MS = 2000;
/** Above this share of the machine used by other programs during a run, the figure is "noisy". */
export const NOISE_LIMIT = 0.1;

export type ScenarioRun = Omit<WrkResult, "raw"> & {
  scenario: string;
  peakRssKb: number | null;
  memberCounts: number[];
  /** Share of the machine's CPU used by other programs during the run (null: unknown). */
  foreignCpu: number | null;
  /** The leg's own CPU time (user + system, all its processes) per request, in µs (null: unknown). */
  cpuUsPerReq: number | null;
};

export type LegRound = {
  leg: LegName;
  round: number;
  error: string | null;
  idleRssKb: number | null;
  /** RSS once the plain port accepts, before any request (settled for START_SETTLE_MS). */
  startRssKb: number | null;
  /** What the HTTPS listener negotiated with OpenSSL's client (certs.ts negotiated). */
  tlsNegotiated: string | null;
  runs: ScenarioRun[];
};

/**
 * How to reach the leg: spawn cmd (our own process) or a URL someone else runs (tlsUrl: its
 * HTTPS listener, if any; its certificate is not checked since we did not issue it).
 */
export type LegSource = { kind: "spawn"; proxyCmd: string[] } | { kind: "target"; url: string; tlsUrl: string | null; pid: number | null };

/** Requests answered so far by the plain members, or by the https:// ones. */
export async function memberCounts(up: Upstreams, https: boolean, caPem: string | undefined): Promise<number[]> {
  return Promise.all(
    (https ? up.tlsPorts : up.ports).map(async (p) => {
      const res = await fetch(`${https ? "https" : "http"}://127.0.0.1:${p}/__count`, https ? { tls: { ca: caPem } } : {});
      return ((await res.json()) as { count: number }).count;
    }),
  );
}

/**
 * Every request wrk counted must have reached a member, and both members must have had a
 * share: a proxy that answers by itself or has ejected a member is not doing the same work.
 */
export function checkMembers(deltas: number[], wrkRequests: number, target: boolean): string[] {
  const total = deltas.reduce((a, b) => a + b, 0);
  if (total === 0 && target) return []; // The target proxies to members of its own.
  const problems: string[] = [];
  if (total < wrkRequests) problems.push(`members answered ${total} requests, wrk counted ${wrkRequests}`);
  if (deltas.some((d) => d < total * 0.1)) problems.push(`member share ${deltas.join("/")}: one member (nearly) unused`);
  return problems;
}

/** After a failed run: what does the leg answer now? (status and the start of the body) */
async function probe(url: string, tlsOpts: BunFetchRequestInitTLS | undefined): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000), ...(tlsOpts === undefined ? {} : { tls: tlsOpts }) });
    const body = res.status === 200 ? "" : ` ${JSON.stringify((await res.text()).slice(0, 120))}`;
    return `probe after the run: ${res.status}${body}`;
  } catch (e) {
    return `probe after the run: ${e instanceof Error ? e.message : String(e)}`;
  }
}

async function tail(path: string): Promise<string> {
  const f = Bun.file(path);
  return (await f.exists()) ? (await f.text()).split("\n").slice(-15).join("\n") : "";
}

/**
 * certs: for the HTTPS scenarios (null: they are skipped, and noTls says why). A leg whose
 * HTTPS listener does not come up fails (error set) but keeps its plain HTTP figures.
 */
export async function runLegRound(
  leg: LegName,
  round: number,
  src: LegSource,
  up: Upstreams,
  dir: string,
  seconds: number,
  warmup: number,
  retries: number,
  certs: BenchCerts | null,
  noTls: string,
): Promise<LegRound> {
  const out: LegRound = { leg, round, error: null, idleRssKb: null, startRssKb: null, tlsNegotiated: null, runs: [] };
  let base: string;
  /** The HTTPS listener's base URL; null: HTTPS scenarios are skipped (tlsSkip says why). */
  let tlsBase: string | null = null;
  let tlsSkip = noTls;
  let tlsOpts: BunFetchRequestInitTLS | undefined;
  let pid: number | null;
  let proc: ReturnType<typeof spawnServer> | null = null;
  const log = `${dir}/${leg}-r${round}.log`;
  if (src.kind === "target" && leg === "proxy") {
    base = src.url;
    pid = src.pid;
    tlsBase = src.tlsUrl;
    tlsOpts = { rejectUnauthorized: false };
    if (tlsBase === null) tlsSkip = "no --target-tls URL";
  } else {
    const port = freePort();
    let tls: LegTls | null = null;
    if (certs !== null) {
      let tlsPort = freePort();
      for (let i = 0; i < 10 && tlsPort === port; i++) tlsPort = freePort();
      tls = { port: tlsPort, certs };
      tlsBase = `https://127.0.0.1:${tlsPort}`;
      tlsOpts = { ca: certs.caPem };
    }
    const cmd = await prepareLeg(leg, `${dir}/${leg}`, port, up, src.kind === "spawn" ? src.proxyCmd : [], tls);
    proc = spawnServer(cmd, log, leg === "haproxy" ? accessLogPath(`${dir}/${leg}`) : undefined);
    base = `http://127.0.0.1:${port}`;
    pid = proc.pid;
  }
  const p = proc;
  const alive = () => p === null || p.exitCode === null;
  try {
    // Memory as started: every listener bound, nothing served yet (idleRssKb is after the
    // readiness requests below, which load the request path's code and buffers).
    if (pid !== null && p !== null && (await accepting(Number(new URL(base).port), 10_000, alive))) {
      await Bun.sleep(START_SETTLE_MS);
      out.startRssKb = await rssKb(await tree(pid));
    }
    // Both bodies, twice each, so both members are known to answer through this proxy.
    for (const [path, bytes] of [["/small", 16], ["/1m", 1 << 20], ["/small", 16], ["/1m", 1 << 20]] as const) {
      const err = await waitReady(base + path, bytes, 10_000, alive);
      if (err !== null) {
        out.error = `${base}${path}: ${err}${p === null ? "" : `\n${await tail(log)}`}`;
        return out;
      }
    }
    // The https:// members, twice (both of them), when this leg has a route to them.
    let membersSkip = src.kind === "target" && leg === "proxy" ? "its members are its own" : certs === null ? tlsSkip : up.tlsPorts.length === 0 ? "no https:// members" : "";
    for (let i = 0; i < 2 && membersSkip === ""; i++) {
      const err = await waitReady(`${base}/s/small`, 16, 10_000, alive);
      if (err !== null) {
        out.error = `${base}/s/small: ${err}${p === null ? "" : `\n${await tail(log)}`}`;
        membersSkip = "its route to the https:// members did not answer";
      }
    }
    // The HTTPS listener, twice (both members). A failure fails the leg but keeps the plain figures.
    for (let i = 0; i < 2 && tlsBase !== null; i++) {
      const err = await waitReady(`${tlsBase}/small`, 16, 10_000, alive, tlsOpts);
      if (err !== null) {
        out.error = `${tlsBase}/small: ${err}${p === null ? "" : `\n${await tail(log)}`}`;
        tlsSkip = "its HTTPS listener did not answer";
        tlsBase = null;
      }
    }
    const tlsPort = tlsBase === null ? NaN : Number(new URL(tlsBase).port || 443);
    if (tlsBase !== null && Number.isInteger(tlsPort)) out.tlsNegotiated = negotiated(tlsPort);
    const pids = pid === null ? [] : await tree(pid);
    if (pid !== null) out.idleRssKb = await rssKb(pids);
    // Warm-up (not recorded), the same for every leg: JITs, connection pools and buffers reach
    // their steady state. Measured: a fresh dist/proxy serves 44-47k req/s in its first 3-second
    // runs and 52-54k from about 10 s on (JavaScriptCore's optimizing tiers); NGINX needs none.
    await runWrk(`${base}/small`, 50, warmup, WRK_CPU);
    const scenarioWarmup = Math.max(1, Math.ceil(warmup / 2));
    if (tlsBase !== null) await runWrk(`${tlsBase}/small`, 50, scenarioWarmup, WRK_CPU);
    const postLua = `${dir}/post.lua`;
    await Bun.write(postLua, POST_LUA);
    const measure = async (url: string, connections: number, post: boolean, https: boolean): Promise<ScenarioRun> => {
      const before = await memberCounts(up, https, certs?.caPem);
      const sampler = pid === null ? null : sampleRss(pid);
      const noise = await startNoise([...pids, ...(up.pid === undefined ? [] : [up.pid])]);
      const cpu0 = pid === null ? 0 : await cpuSeconds(pids);
      const r = await runWrk(url, connections, seconds, WRK_CPU, post ? postLua : undefined);
      const cpuUsPerReq = pid === null || r.requests === 0 ? null : ((await cpuSeconds(pids)) - cpu0) * 1e6 / r.requests;
      const peakRssKb = sampler === null ? null : await sampler.stop();
      // Without the target's pid its CPU time would count as foreign: unknown, not noisy.
      const foreignCpu = pid === null ? null : await noise.stop();
      await Bun.sleep(100); // Let in-flight upstream requests land before counting.
      const after = await memberCounts(up, https, certs?.caPem);
      const deltas = after.map((a, i) => a - (before[i] ?? 0));
      const extra = checkMembers(deltas, r.requests, src.kind === "target" && leg === "proxy");
      if (!alive()) extra.push(`${leg} exited during the run\n${await tail(log)}`);
      else if (!r.valid || extra.length > 0) extra.push(await probe(url, url.startsWith("https:") ? tlsOpts : undefined));
      const { raw: _raw, ...rest } = r;
      return { ...rest, problems: [...r.problems, ...extra], valid: r.valid && extra.length === 0, scenario: "", peakRssKb, memberCounts: deltas, foreignCpu, cpuUsPerReq };
    };
    let skipNoted = false;
    for (const sc of SCENARIOS) {
      const scBase = sc.tls ? tlsBase : base;
      if (toHttpsMembers(sc) && membersSkip !== "") {
        console.log(`  ${leg.padEnd(8)} ${sc.label} skipped: ${membersSkip}`);
        continue;
      }
      if (scBase === null) {
        if (!skipNoted) console.log(`  ${leg.padEnd(8)} HTTPS scenarios skipped: ${tlsSkip}`);
        skipNoted = true;
        continue;
      }
      // The scenario's own traffic first, unrecorded, for every leg alike: the warm-up above is
      // GET, and a JIT-compiled leg measured on a path it has not compiled yet (a held POST
      // body, the https:// members' TLS) shows its tier-up in p99. Measured with the proxy: POST
      // p99 3.8-4.3 ms right after a GET warm-up, 2.8-3.0 ms after POST load (NGINX 2.4-2.7).
      await runWrk(scBase + sc.path, sc.connections, scenarioWarmup, WRK_CPU, sc.post ? postLua : undefined);
      // A run during which other programs were busy is retried (bounded), keeping the quietest;
      // an error in any attempt still makes the figure INVALID (retries must not hide errors).
      let run: ScenarioRun | null = null;
      const problems: string[] = [];
      for (let attempt = 0; attempt <= retries; attempt++) {
        const r = await measure(scBase + sc.path, sc.connections, sc.post, toHttpsMembers(sc));
        problems.push(...r.problems);
        if (run === null || (r.foreignCpu ?? 0) < (run.foreignCpu ?? 0)) run = r;
        if ((run.foreignCpu ?? 0) <= NOISE_LIMIT) break;
        if (attempt < retries) console.log(`  ${leg.padEnd(8)} ${sc.label.padEnd(21)} noisy (others used ${Math.round((r.foreignCpu ?? 0) * 100)}% CPU), retrying`);
      }
      if (run === null) continue;
      run.scenario = sc.id;
      run.problems = [...new Set(problems)];
      run.valid = run.problems.length === 0;
      out.runs.push(run);
      const lat = `p50 ${run.p50Ms?.toFixed(2) ?? "?"}ms p99 ${run.p99Ms?.toFixed(2) ?? "?"}ms  CPU ${run.cpuUsPerReq?.toFixed(1) ?? "?"}us/req`;
      const f = run.foreignCpu;
      const busy = f !== null && f > NOISE_LIMIT ? `  (noisy: others used ${Math.round(f * 100)}% CPU)` : "";
      console.log(`  ${leg.padEnd(8)} ${sc.label.padEnd(21)} ${Math.round(run.rps).toString().padStart(7)} req/s  ${lat}${busy}${run.valid ? "" : `  INVALID: ${run.problems.join("; ")}`}`);
    }
  } finally {
    if (p !== null) await stop(p);
  }
  return out;
}

// Medians over rounds, the comparison with NGINX, the printed table and the JSON report.
import type { LegName } from "./legs.ts";
import { NOISE_LIMIT, type LegRound } from "./runner.ts";
import { SCENARIOS } from "./scenarios.ts";

export type Figure = {
  scenario: string;
  label: string;
  leg: LegName;
  rounds: number;
  usedRounds: number; // rounds the medians come from (the quiet ones, if any)
  rps: number | null; // median over rounds
  spread: number | null; // (max - min) / median of the rounds' req/s
  noisyRounds: number; // rounds during which other programs used > NOISE_LIMIT of the CPU
  p50Ms: number | null;
  p99Ms: number | null;
  transferBytesPerSec: number | null;
  peakRssKb: number | null; // highest peak over rounds
  ratioToNginx: number | null;
  /** p99 / NGINX's p99: above 1 is slower at the tail. */
  p99RatioToNginx: number | null;
  /** The leg's CPU time per request, µs (median over rounds). */
  cpuUsPerReq: number | null;
  /** CPU per request / NGINX's: above 1 spends more. Moves less than req/s under steal (noise.ts cpuSeconds). */
  cpuRatioToNginx: number | null;
  valid: boolean; // false when any round had a non-2xx, a socket error or a member problem
  problems: string[];
};

export type LegSummary = { leg: LegName; idleRssKb: number | null; startRssKb: number | null; tlsNegotiated: string | null; errors: string[] };

function median(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? null) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

export function summarize(rounds: LegRound[], legs: LegName[]): { figures: Figure[]; legs: LegSummary[] } {
  const figures: Figure[] = [];
  for (const sc of SCENARIOS) {
    for (const leg of legs) {
      const all = rounds.filter((r) => r.leg === leg).flatMap((r) => r.runs.filter((x) => x.scenario === sc.id));
      if (all.length === 0) continue;
      const quiet = all.filter((r) => r.foreignCpu === null || r.foreignCpu <= NOISE_LIMIT);
      // Figures come from the quiet rounds when there are any: a round during which other
      // programs held the CPU measures them. Validity still looks at every round.
      const runs = quiet.length > 0 ? quiet : all;
      const peaks = runs.map((r) => r.peakRssKb).filter((x): x is number => x !== null);
      const rps = median(runs.map((r) => r.rps));
      const rpsAll = runs.map((r) => r.rps);
      figures.push({
        scenario: sc.id,
        label: sc.label,
        leg,
        rounds: all.length,
        usedRounds: runs.length,
        rps,
        spread: rps === null || rps === 0 ? null : (Math.max(...rpsAll) - Math.min(...rpsAll)) / rps,
        noisyRounds: all.filter((r) => r.foreignCpu !== null && r.foreignCpu > NOISE_LIMIT).length,
        p50Ms: median(runs.map((r) => r.p50Ms)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        transferBytesPerSec: median(runs.map((r) => r.transferBytesPerSec)),
        peakRssKb: peaks.length === 0 ? null : Math.max(...peaks),
        ratioToNginx: null,
        p99RatioToNginx: null,
        cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq ?? null)),
        cpuRatioToNginx: null,
        valid: all.every((r) => r.valid),
        problems: [...new Set(all.flatMap((r) => r.problems))],
      });
    }
  }
  for (const f of figures) {
    const ng = figures.find((g) => g.scenario === f.scenario && g.leg === "nginx");
    // Only a valid NGINX figure is a yardstick.
    if (ng?.rps != null && ng.valid && f.rps !== null) f.ratioToNginx = f.rps / ng.rps;
    if (ng?.p99Ms != null && ng.valid && ng.p99Ms > 0 && f.p99Ms !== null) f.p99RatioToNginx = f.p99Ms / ng.p99Ms;
    if (ng?.cpuUsPerReq != null && ng.valid && ng.cpuUsPerReq > 0 && f.cpuUsPerReq !== null) f.cpuRatioToNginx = f.cpuUsPerReq / ng.cpuUsPerReq;
  }
  const summaries = legs.map((leg) => {
    const rs = rounds.filter((r) => r.leg === leg);
    const tls = [...new Set(rs.map((r) => r.tlsNegotiated).filter((t): t is string => t !== null))];
    return { leg, idleRssKb: median(rs.map((r) => r.idleRssKb)), startRssKb: median(rs.map((r) => r.startRssKb)), tlsNegotiated: tls.length === 0 ? null : tls.join(" / "), errors: rs.flatMap((r) => (r.error === null ? [] : [`round ${r.round}: ${r.error}`])) };
  });
  return { figures, legs: summaries };
}

const mb = (kb: number | null) => (kb === null ? "-" : `${(kb / 1024).toFixed(1)} MB`);
const lat = (v: number | null) => (v === null ? "-" : v >= 1 ? `${v.toFixed(2)}ms` : `${(v * 1000).toFixed(0)}us`);
const rate = (b: number | null) => (b === null ? "-" : b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(2)} GB/s` : `${(b / 1024 ** 2).toFixed(1)} MB/s`);

export function printTable(figures: Figure[], legs: LegSummary[]): void {
  const head = ["scenario", "leg", "req/s", "spread", "x nginx", "p50", "p99", "p99 x nginx", "CPU/req", "CPU x nginx", "transfer", "peak RSS", "status"];
  const rows = figures.map((f) => [
    f.label,
    f.leg,
    f.rps === null ? "-" : Math.round(f.rps).toLocaleString("en-US"),
    f.spread === null ? "-" : `${Math.round(f.spread * 100)}%`,
    f.ratioToNginx === null ? "-" : `${f.ratioToNginx.toFixed(2)}x`,
    lat(f.p50Ms),
    lat(f.p99Ms),
    f.p99RatioToNginx === null ? "-" : `${f.p99RatioToNginx.toFixed(2)}x`,
    f.cpuUsPerReq === null ? "-" : `${f.cpuUsPerReq.toFixed(1)}us`,
    f.cpuRatioToNginx === null ? "-" : `${f.cpuRatioToNginx.toFixed(2)}x`,
    rate(f.transferBytesPerSec),
    mb(f.peakRssKb),
    !f.valid ? "INVALID" : f.noisyRounds > 0 ? `noisy ${f.noisyRounds}/${f.rounds}` : "ok",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(`\n${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  let prev = "";
  for (const [i, r] of rows.entries()) {
    if (prev !== "" && r[0] !== prev) console.log("");
    prev = r[0] ?? "";
    console.log(line(r));
    const f = figures[i];
    if (f !== undefined && !f.valid) console.log(`    ^ ${f.problems.join("; ")}`);
  }
  console.log(`\nreq/s, p50, p99: medians over the quiet rounds (all rounds if none was quiet); spread: (max-min)/median; peak RSS: highest over rounds.`);
  console.log(`x nginx: req/s over NGINX's (higher is better); p99 x nginx: p99 over NGINX's p99 (lower is better).`);
  console.log(`CPU/req: the leg's user + system CPU time per request (all its processes); CPU x nginx: over NGINX's (lower is better). Steal by a busy neighbour is not in it, so it moves less than req/s on a shared machine.`);
  console.log(`noisy k/n: in k of n rounds other programs used > ${NOISE_LIMIT * 100}% of the machine's CPU even after retries.`);
  console.log(`RSS at start (listening, nothing served): ${legs.map((l) => `${l.leg} ${mb(l.startRssKb)}`).join(", ")}`);
  console.log(`idle RSS (after the readiness requests): ${legs.map((l) => `${l.leg} ${mb(l.idleRssKb)}`).join(", ")}`);
  if (figures.some((f) => SCENARIOS.find((s) => s.id === f.scenario)?.tls === true)) {
    console.log(`HTTPS: x nginx is against NGINX's HTTPS figure; keep-alive, upstreams plain HTTP; one EC P-256 certificate for all legs.`);
    console.log(`https:// members: plain listener, members verified against the bench CA, keep-alive and TLS session reuse on every leg.`);
    console.log(`HTTPS negotiated with OpenSSL's client (as wrk): ${legs.map((l) => `${l.leg} ${l.tlsNegotiated ?? "?"}`).join(", ")}`);
  }
  for (const l of legs) for (const e of l.errors) console.log(`${l.leg} failed in ${e}`);
}

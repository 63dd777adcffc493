// The layout's ceiling: wrk straight at one member, no proxy between. With a proxy in the path,
// CPU 1 still runs wrk and the member for every request, so no leg can go faster than this;
// a target of "k x NGINX" above ceiling / NGINX cannot be observed on this machine whatever
// the proxy does. Measured in every round, after the legs, for the plain-HTTP scenarios (the
// HTTPS ones have no TLS-terminating member to aim at).
import type { Figure } from "./report.ts";
import { WRK_CPU } from "./runner.ts";
import { SCENARIOS, type Scenario } from "./scenarios.ts";
import { runWrk } from "./wrk.ts";

export type CeilingRun = { scenario: string; round: number; rps: number; valid: boolean };
export type Ceiling = { scenario: string; label: string; rps: number | null; ratioToNginx: number | null };

const direct = (s: Scenario): boolean => !s.tls && s.path !== "/s/small";

export async function runCeiling(memberPort: number, round: number, seconds: number, postLua: string): Promise<CeilingRun[]> {
  const out: CeilingRun[] = [];
  for (const sc of SCENARIOS.filter(direct)) {
    const r = await runWrk(`http://127.0.0.1:${memberPort}${sc.path}`, sc.connections, seconds, WRK_CPU, sc.post ? postLua : undefined);
    out.push({ scenario: sc.id, round, rps: r.rps, valid: r.valid });
  }
  return out;
}

function median(xs: number[]): number | null {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? null) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

export function summarizeCeiling(runs: CeilingRun[], figures: Figure[]): Ceiling[] {
  return SCENARIOS.filter(direct).map((sc) => {
    const rps = median(runs.filter((r) => r.scenario === sc.id && r.valid).map((r) => r.rps));
    const ng = figures.find((f) => f.scenario === sc.id && f.leg === "nginx");
    const ratioToNginx = rps !== null && ng?.rps != null && ng.valid ? rps / ng.rps : null;
    return { scenario: sc.id, label: sc.label, rps, ratioToNginx };
  });
}

export function printCeiling(cs: Ceiling[]): void {
  if (cs.every((c) => c.rps === null)) return;
  console.log(`\nceiling (wrk straight at one member, no proxy; no leg can exceed it here):`);
  for (const c of cs) {
    const rps = c.rps === null ? "-" : Math.round(c.rps).toLocaleString("en-US");
    const x = c.ratioToNginx === null ? "" : `  = ${c.ratioToNginx.toFixed(2)}x nginx`;
    console.log(`  ${c.label.padEnd(21)} ${rps.padStart(8)} req/s${x}`);
  }
}

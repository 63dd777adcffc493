// Runs wrk and parses its --latency report. A figure is only valid when every response was a
// 2xx and no socket error happened: a proxy answering 502 fast would otherwise "win".
import { pinned, track } from "./proc.ts";

export type WrkResult = {
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  requests: number;
  transferBytesPerSec: number | null;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  valid: boolean;
  problems: string[];
  raw: string;
};

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** "410.00us" / "1.20ms" / "2.00s" to milliseconds. */
function ms(text: string | undefined): number | null {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text ?? "");
  if (m?.[1] === undefined || m[2] === undefined) return null;
  return Number(m[1]) * (TIME_UNITS[m[2]] ?? NaN);
}

export function parseWrk(raw: string, exitCode: number | null): WrkResult {
  const problems: string[] = [];
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(raw)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in /.exec(raw)?.[1] ?? 0);
  const p50Ms = ms(/^\s+50%\s+(\S+)/m.exec(raw)?.[1]);
  const p99Ms = ms(/^\s+99%\s+(\S+)/m.exec(raw)?.[1]);
  const t = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB|TB)/.exec(raw);
  const transferBytesPerSec = t?.[1] !== undefined && t[2] !== undefined ? Number(t[1]) * (SIZE_UNITS[t[2]] ?? NaN) : null;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(raw)?.[1] ?? 0);
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  const socketErrors = { connect: Number(se?.[1] ?? 0), read: Number(se?.[2] ?? 0), write: Number(se?.[3] ?? 0), timeout: Number(se?.[4] ?? 0) };

  if (exitCode !== 0) problems.push(`wrk exited with ${exitCode}`);
  if (!Number.isFinite(rps)) problems.push("no Requests/sec line");
  if (requests === 0) problems.push("no requests completed");
  if (non2xx > 0) problems.push(`${non2xx} non-2xx responses`);
  const errs = socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout;
  if (errs > 0) problems.push(se?.[0] ?? `${errs} socket errors`);
  if (p50Ms === null || p99Ms === null) problems.push("no latency distribution");
  return { rps: Number.isFinite(rps) ? rps : 0, p50Ms, p99Ms, requests, transferBytesPerSec, non2xx, socketErrors, valid: problems.length === 0, problems, raw };
}

/**
 * One wrk run: 1 thread (the load generator gets one core, see bench.ts), `connections`
 * keep-alive connections for `seconds`. wrk stops by itself; the kill timer is a backstop.
 * `cpu` null: unpinned, with `threads` threads (the two-worker group, workers-leg.ts).
 */
export async function runWrk(url: string, connections: number, seconds: number, cpu: number | null, script?: string, threads = 1): Promise<WrkResult> {
  const args = ["wrk", `-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "--latency", ...(script === undefined ? [] : ["-s", script]), url];
  const cmd = cpu === null ? args : pinned(cpu, args);
  const p = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const untrack = track(p);
  const timer = setTimeout(() => p.kill("SIGKILL"), (seconds + 15) * 1000);
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  untrack();
  return parseWrk(out + err, code);
}

/** wrk's Lua hook for the POST scenarios: every request a POST with the same 1 KiB body. */
export const POST_LUA = `wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
`;

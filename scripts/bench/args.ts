// Command line of `npm run bench -- ...`.
import { parseArgs } from "node:util";
import { LEG_NAMES, type LegName } from "./legs.ts";

export type BenchArgs = {
  rounds: number;
  duration: number;
  warmup: number;
  retries: number;
  only: LegName[];
  target: string | null;
  targetTls: string | null;
  targetPid: number | null;
  proxyCmd: string[] | null;
  upstreamPorts: number[];
  out: string;
  /** Run the two-worker group (workers-leg.ts) instead of the single-CPU legs. */
  twoWorkers: boolean;
};

export const USAGE = `usage: bun scripts/bench.ts [options]
  --rounds N            rounds, interleaved nginx, haproxy, proxy (default 3)
  --duration S          seconds per wrk run (default 5)
  --warmup S            seconds of unrecorded GET load per leg and listener before its runs,
                        and half that of each scenario's own load before its run (default 10:
                        Bun's JIT needs ~10 s to reach its steady state)
  --retries N           extra attempts for a run during which other programs used more
                        than 10% of the CPU; the quietest attempt is kept (default 2)
  --only LIST           legs to run, comma-separated: nginx,haproxy,proxy (default all)
  --proxy-cmd "CMD"     command for the proxy leg instead of dist/proxy; "--routes FILE" is
                        appended (e.g. "./node_modules/.bin/bun scripts/bench/standin.ts")
  --target URL          benchmark an already running proxy at URL as the proxy leg
  --target-tls URL      with --target: the same proxy's HTTPS listener (https://127.0.0.1:PORT)
                        for the HTTPS scenarios; its certificate is not checked
  --target-pid PID      with --target: its pid, to report RSS
  --upstream-ports A,B  fixed ports for the two upstream members (for --target set-ups)
  --out FILE            JSON report (default reports/bench.json; reports/bench-workers.json
                        with --two-workers)
  --two-workers         instead of the single-CPU legs: edge-proxy --workers 2 against NGINX
                        worker_processes 2, both unpinned, GET c=50 and c=256, as a ratio
                        (takes --rounds, --duration, --warmup, --proxy-cmd, --out)`;

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer, got ${v}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      retries: { type: "string" },
      only: { type: "string" },
      target: { type: "string" },
      "target-tls": { type: "string" },
      "target-pid": { type: "string" },
      "proxy-cmd": { type: "string" },
      "upstream-ports": { type: "string" },
      out: { type: "string" },
      "two-workers": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = (values.only ?? LEG_NAMES.join(",")).split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const o of only) if (!(LEG_NAMES as string[]).includes(o)) throw new Error(`--only: unknown leg ${o} (nginx, haproxy, proxy)`);
  const target = values.target ?? null;
  if (target !== null && !/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(target)) {
    throw new Error(`--target: expected a loopback URL like http://127.0.0.1:8080, got ${target}`);
  }
  const targetTls = values["target-tls"] ?? null;
  if (targetTls !== null && target === null) throw new Error("--target-tls: only with --target");
  if (targetTls !== null && !/^https:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(targetTls)) {
    throw new Error(`--target-tls: expected a loopback URL like https://127.0.0.1:8443, got ${targetTls}`);
  }
  const upstreamPorts = (values["upstream-ports"] ?? "").split(",").filter((s) => s !== "").map((s) => positiveInt("upstream-ports", s, 0));
  if (upstreamPorts.length !== 0 && upstreamPorts.length !== 2) throw new Error("--upstream-ports: expected two ports, A,B");
  return {
    rounds: positiveInt("rounds", values.rounds, 3),
    duration: positiveInt("duration", values.duration, 5),
    warmup: positiveInt("warmup", values.warmup, 10),
    retries: values.retries === "0" ? 0 : positiveInt("retries", values.retries, 2),
    only: LEG_NAMES.filter((l) => only.includes(l)),
    target: target?.replace(/\/$/, "") ?? null,
    targetTls: targetTls?.replace(/\/$/, "") ?? null,
    targetPid: values["target-pid"] === undefined ? null : positiveInt("target-pid", values["target-pid"], 0),
    // Split on blanks: enough for the commands this is meant for (no quoting support).
    proxyCmd: values["proxy-cmd"]?.trim().split(/\s+/) ?? null,
    upstreamPorts,
    out: values.out ?? (values["two-workers"] === true ? "reports/bench-workers.json" : "reports/bench.json"),
    twoWorkers: values["two-workers"] === true,
  };
}

/**
 * `--workers N|auto`: N copies of this executable serve the same ports (SO_REUSEPORT: the
 * kernel spreads new connections), under this supervisor. A worker learns its role from the
 * environment, not argv: in a `bun build --compile` binary cluster.fork() inserts an extra argv
 * entry. A crashed worker is restarted with backoff (NGINX's master does the same, without
 * backoff); HUP, USR1, TERM and INT are passed on to every worker.
 */
import type { Subprocess } from "bun";
import { availableParallelism } from "node:os";
import type { EventLog } from "../log/events.ts";

export const WORKER_ENV = "EDGE_PROXY_WORKER";

export function workerCount(spec: string): number | undefined {
  if (spec === "auto") return availableParallelism();
  const n = Number(spec);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : undefined;
}

/** Restart delay after `crashes` quick crashes in a row: 100 ms doubling, at most 10 s. */
export function backoffMs(crashes: number): number {
  return Math.min(10_000, 100 * 2 ** Math.max(0, crashes - 1));
}

/** The command that runs this program again: a compiled binary is its own interpreter. */
export function selfCommand(argv = process.argv, execPath = process.execPath): string[] {
  const script = argv[1];
  const compiled = script === undefined || script.startsWith("/$bunfs/") || script.startsWith("B:/~BUN/");
  return compiled ? [execPath, ...argv.slice(2)] : [execPath, script, ...argv.slice(2)];
}

export async function runSupervisor(n: number, events: EventLog): Promise<number> {
  const cmd = selfCommand();
  const procs: (Subprocess | undefined)[] = [];
  const crashes = new Array<number>(n).fill(0);
  let stopping = false;
  const spawn = (i: number) => {
    const startedAt = performance.now();
    const proc = Bun.spawn(cmd, { env: { ...process.env, [WORKER_ENV]: String(i) }, stdio: ["ignore", "inherit", "inherit"] });
    procs[i] = proc;
    events("info", `worker ${i} started (pid ${proc.pid})`);
    void proc.exited.then((code) => {
      if (stopping) return;
      // A worker that ran a while was not crash-looping: start its backoff over.
      crashes[i] = performance.now() - startedAt > 10_000 ? 1 : crashes[i]! + 1;
      const wait = backoffMs(crashes[i]!);
      events("error", `worker ${i} (pid ${proc.pid}) exited with ${proc.signalCode ?? code}; restarting in ${wait} ms`);
      setTimeout(() => !stopping && spawn(i), wait);
    });
  };
  for (let i = 0; i < n; i++) spawn(i);
  for (const sig of ["SIGHUP", "SIGUSR1"] as const) process.on(sig, () => procs.forEach((p) => p?.kill(sig)));
  await new Promise<void>((done) => {
    const stop = (sig: "SIGTERM" | "SIGINT") => {
      stopping = true;
      events("info", `${sig}: stopping ${n} workers`);
      for (const p of procs) p?.kill(sig);
      void Promise.all(procs.map((p) => p?.exited)).then(() => done());
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}

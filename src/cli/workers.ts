/**
 * `--workers N|auto`: N copies of this executable serve the same ports (SO_REUSEPORT: the
 * kernel spreads new connections), under this supervisor. A worker learns its role from the
 * environment, not argv: in a `bun build --compile` binary cluster.fork() inserts an extra argv
 * entry. A crashed worker is restarted with backoff (NGINX's master does the same, without
 * backoff); HUP and USR1 are passed on to every worker that is up, TERM, INT and QUIT to all;
 * a worker whose supervisor dies stops too (its IPC channel closes). The admin listener is the
 * supervisor's (admin/fanout.ts): it stays up while workers restart, and it reaches each worker
 * over the IPC channel Bun.spawn opens, so one change applies everywhere before it is answered.
 */
import type { Subprocess } from "bun";
import { availableParallelism } from "node:os";
import type { EventLog } from "../log/events.ts";
import { createFanout } from "../admin/fanout.ts";
import { parseHostPort } from "../net/host-port.ts";
import { WorkerSlot } from "./worker-link.ts";
import { isAdminReady, isWorkerUp } from "../admin/ipc.ts";
import { BODY_CAP } from "../admin/body-limit.ts";
import type { RunningConfig } from "./worker-config.ts";

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

/**
 * How long the admin listener waits for one worker's answer (EDGE_ADMIN_WORKER_TIMEOUT_MS, for
 * tests and very busy machines; not a routes.json field).
 */
const workerTimeoutMs = Number(process.env.EDGE_ADMIN_WORKER_TIMEOUT_MS) > 0 ? Number(process.env.EDGE_ADMIN_WORKER_TIMEOUT_MS) : 5000;

/** routes.json's `admin`, as the supervisor needs it. */
export interface SupervisorAdmin { listen: string; auth: boolean }

/** `config`: the routes.json text validated at start; workers start from it and report what they apply. */
export async function runSupervisor(n: number, events: EventLog, config: RunningConfig, admin?: SupervisorAdmin): Promise<number> {
  const cmd = selfCommand();
  const procs: (Subprocess | undefined)[] = [];
  const slots = Array.from({ length: n }, (_, i) => new WorkerSlot(i));
  const crashes = new Array<number>(n).fill(0);
  /** A HUP came while the worker was not up (starting, or waiting for its restart). */
  const hupOwed = new Array<boolean>(n).fill(false);
  let stopping = false;
  let server: ReturnType<typeof Bun.serve> | undefined;
  if (admin) {
    const { host, port } = parseHostPort(admin.listen)!;
    try {
      server = Bun.serve({ hostname: host, port, development: false, maxRequestBodySize: BODY_CAP, fetch: createFanout({ workers: () => slots, timeoutMs: workerTimeoutMs, stopping: () => stopping }) });
    } catch (e) {
      events("error", `admin: cannot listen on ${admin.listen}: ${(e as Error).message}`);
      return 1;
    }
    const shown = host.includes(":") ? `[${host}]` : host;
    events("info", `admin listening on http://${shown}:${server.port} for ${n} workers${admin.auth ? "" : " (no admin.auth: read-only)"}`);
  }
  const spawn = (i: number) => {
    const startedAt = performance.now();
    const slot = slots[i]!;
    const given = config.spawnWith();
    const proc = Bun.spawn(cmd, { env: { ...process.env, [WORKER_ENV]: String(i), ...given.env }, stdio: [given.stdin, "inherit", "inherit"], serialization: "json", ipc: (m) => {
      slot.onMessage(m);
      config.onMessage(m);
      // A HUP that came before its handler was installed is passed on now (it reloads once started).
      if (isWorkerUp(m) && hupOwed[i]) (hupOwed[i] = false, proc.kill("SIGHUP"));
      if (isAdminReady(m)) events("info", `worker ${i} (pid ${proc.pid}) answers admin calls`);
    } });
    procs[i] = proc;
    slot.attach(proc);
    events("info", `worker ${i} started (pid ${proc.pid}) with configuration generation ${config.generation}`);
    void proc.exited.then((code) => {
      slot.detach(proc, "exited");
      if (stopping) return;
      // A worker that ran a while was not crash-looping: start its backoff over.
      crashes[i] = performance.now() - startedAt > 10_000 ? 1 : crashes[i]! + 1;
      const wait = backoffMs(crashes[i]!);
      events("error", `worker ${i} (pid ${proc.pid}) exited with ${proc.signalCode ?? code}; restarting in ${wait} ms`);
      setTimeout(() => !stopping && spawn(i), wait);
    });
  };
  for (let i = 0; i < n; i++) spawn(i);
  // Only to workers that are up: one still starting has no handler yet, and HUP's default
  // action would kill it. It is owed the HUP and gets it once up (a worker waiting for its
  // restart starts from the newest configuration its siblings report, and reloads too).
  for (const sig of ["SIGHUP", "SIGUSR1"] as const) {
    process.on(sig, () => procs.forEach((p, i) => {
      if (slots[i]!.up) p?.kill(sig);
      else if (sig === "SIGHUP") hupOwed[i] = true;
    }));
  }
  await new Promise<void>((done) => {
    const stop = (sig: "SIGTERM" | "SIGINT" | "SIGQUIT") => {
      stopping = true;
      events("info", `${sig}: stopping ${n} workers`);
      for (const p of procs) p?.kill(sig);
      // The admin stays up while the workers drain: /readyz says 503 and /metrics still answers.
      void Promise.all(procs.map((p) => p?.exited)).then(() => {
        void server?.stop(true);
        done();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGQUIT", () => stop("SIGQUIT"));
  });
  return 0;
}

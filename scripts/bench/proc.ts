// Child processes of the bench: spawning (optionally pinned to a CPU), readiness polling,
// stopping, and resident memory (RSS) of a process tree from /proc.
import type { Subprocess } from "bun";
import { which } from "./setup.ts";

const children = new Set<Subprocess>();
const TASKSET = which("taskset");

/** Prefixes cmd with `taskset -c CPU` when taskset exists; taskset execs, so the pid stays the server's. */
export function pinned(cpu: number, cmd: string[]): string[] {
  return TASKSET === null ? cmd : [TASKSET, "-c", String(cpu), ...cmd];
}

export const canPin = TASKSET !== null;

/** Moves an already running process (all its threads) to one CPU; used for the bench itself. */
export function pinSelf(cpu: number): void {
  if (TASKSET !== null) Bun.spawnSync([TASKSET, "-a", "-pc", String(cpu), String(process.pid)], { stdout: "ignore" });
}

/** Registers a process to be killed by stopAll (Ctrl-C while wrk runs, for instance). */
export function track(p: Subprocess): () => void {
  children.add(p);
  return () => children.delete(p);
}

/** Spawns a long-running server; stdout is discarded (access logs), stderr goes to logPath. */
/** stderr to logPath; stdout to stdoutPath (HAProxy's access lines, legs.ts) or nowhere. */
export function spawnServer(cmd: string[], logPath: string, stdoutPath?: string): Subprocess {
  const p = Bun.spawn(cmd, { stdin: "ignore", stdout: stdoutPath === undefined ? "ignore" : Bun.file(stdoutPath), stderr: Bun.file(logPath) });
  children.add(p);
  return p;
}

/** Spawns a process whose stdout we read (the upstreams announce their ports there). */
export function spawnPiped(cmd: string[]): Subprocess<"ignore", "pipe", "inherit"> {
  const p = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  children.add(p);
  return p;
}

/** SIGTERM, then SIGKILL after 3 s: nginx and haproxy take their workers down on SIGTERM. */
export async function stop(p: Subprocess): Promise<void> {
  children.delete(p);
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill("SIGTERM");
  const killed = await Promise.race([p.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
  if (!killed) {
    p.kill("SIGKILL");
    await p.exited;
  }
}

/** Stops everything still running; called on exit and on Ctrl-C. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((p) => stop(p)));
}

/**
 * Polls url until it answers 200 with a body of expectBytes (so a proxy that answers but
 * does not reach the members does not count as ready). Bounded by timeoutMs. tlsOpts: for
 * https URLs (the bench CA, so the certificate chain and the 127.0.0.1 SAN are checked too).
 */
export async function waitReady(url: string, expectBytes: number, timeoutMs: number, alive: () => boolean, tlsOpts?: BunFetchRequestInitTLS): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (!alive()) return "process exited";
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000), ...(tlsOpts === undefined ? {} : { tls: tlsOpts }) });
      const body = await res.arrayBuffer();
      if (res.status === 200 && body.byteLength === expectBytes) return null;
      last = `status ${res.status}, ${body.byteLength} bytes`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await Bun.sleep(100);
  }
  return `not ready after ${timeoutMs} ms (${last})`;
}

/**
 * Resolves once a TCP connection to the port is accepted (nothing is sent, so the server has
 * served nothing yet); false when it never is within timeoutMs or the process exits.
 */
export async function accepting(port: number, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const ok = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then((s) => (s.end(), true), () => false);
    if (ok) return true;
    await Bun.sleep(50);
  }
  return false;
}

/** Pids of pid and all its descendants (nginx master + workers), by scanning /proc. */
export async function tree(pid: number): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const name of await Array.fromAsync(new Bun.Glob("[0-9]*").scan({ cwd: "/proc", onlyFiles: false }))) {
    try {
      const stat = await Bun.file(`/proc/${name}/stat`).text();
      // Fields after the ")" closing comm: state ppid ...; comm itself may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(name), ppid);
    } catch {
      // The process exited while we scanned.
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [c, pp] of parent) if (pp === out[i]) out.push(c);
  return out;
}

/** Sum of VmRSS (KiB) over the given pids (a process tree); null when all are gone. */
export async function rssKb(pids: number[]): Promise<number | null> {
  let total = 0;
  let seen = false;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(await Bun.file(`/proc/${p}/status`).text());
      if (m?.[1] !== undefined) {
        total += Number(m[1]);
        seen = true;
      }
    } catch {
      // Exited between the scan and the read.
    }
  }
  return seen ? total : null;
}

/**
 * Samples rssKb every intervalMs until stopped; returns the peak. The tree is scanned once up
 * front: re-scanning /proc every tick would cost CPU on the load generator's core.
 */
export function sampleRss(pid: number, intervalMs = 200): { stop: () => Promise<number | null> } {
  let peak: number | null = null;
  let running = true;
  const loop = (async () => {
    const pids = await tree(pid);
    while (running) {
      const v = await rssKb(pids);
      if (v !== null && (peak === null || v > peak)) peak = v;
      await Bun.sleep(intervalMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

/** A free loopback port: bind port 0, read it, close (a tiny race we accept on a quiet box). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

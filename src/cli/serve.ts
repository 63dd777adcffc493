/** `proxy --routes routes.json`: load, compile, listen; stop gracefully on SIGTERM/SIGINT. */
import type { Runtime } from "../config/runtime.ts";
import { createAccessLog, fileSink } from "../log/access.ts";
import { stderrEvents, type EventLog } from "../log/events.ts";
import { Deadlines } from "../proxy/deadlines.ts";
import { listen, type Running } from "../server/listen.ts";
import { loadRuntime, type Io } from "./check.ts";
import { createAffinity, type Affinity } from "../health/wire.ts";
import { loadListenerTls, type TlsSetup } from "../tls/listener-tls.ts";
import { resolve } from "node:path";

export async function runServe(file: string, io: Io): Promise<number> {
  const rt = await loadRuntime(file, io);
  if (!rt) return 1;
  let tls: Map<number, TlsSetup>;
  try {
    tls = await loadListenerTls(rt, stderrEvents);
  } catch (e) {
    io.err((e as Error).message);
    return 1;
  }
  const started = start(rt, stderrEvents, false, tls);
  if (!started) return 1;
  // SIGHUP re-reads certificates and keys (Apache graceful, NGINX -s reload) without dropping
  // connections: Bun ignores server.reload({tls}), so listen.ts swaps in a second server.
  process.on("SIGHUP", () => {
    loadListenerTls(rt, stderrEvents)
      .then((next) => started.running.reloadTls(next))
      .then(
        () => stderrEvents("info", "SIGHUP: certificates reloaded"),
        (e: Error) => stderrEvents("error", `SIGHUP: ${e.message}; still serving the old certificates`),
      );
  });
  watchOperatorSignals(started, stderrEvents);
  await waitForStop(started, rt, stderrEvents);
  return 0;
}

export interface Started {
  running: Running;
  affinity: Affinity;
  /** Writes out the access log's pending lines (awaited before exit: a pipe may not take them at once). */
  flushLog: () => void | Promise<unknown>;
  /** Reopens the access log file (USR1). */
  reopenLog: () => void;
}

/**
 * Signals an operator (or logrotate) may send. USR1 reopens log files as Apache (graceful
 * restart reopens logs) and NGINX (`nginx -s reopen`) do; USR2 and WINCH, NGINX's binary upgrade
 * and worker shutdown, have no meaning for one process and are logged and ignored; PIPE is
 * ignored (a peer that went away is that exchange's error, not the process's). Without a
 * handler Bun's default action ends the process silently, pending access lines lost.
 */
export function watchOperatorSignals(started: Started, events: EventLog): void {
  process.on("SIGUSR1", () => {
    try {
      started.reopenLog();
      events("info", "SIGUSR1: log files reopened");
    } catch (e) {
      events("error", `SIGUSR1: cannot reopen the access log: ${(e as Error).message}; still writing to the old file`);
    }
  });
  for (const sig of ["SIGUSR2", "SIGWINCH"] as const) process.on(sig, () => events("warn", `${sig}: ignored (SIGHUP reloads certificates, SIGUSR1 reopens logs, SIGTERM/SIGQUIT stop)`));
  process.on("SIGPIPE", () => {});
}

/** Binds every listener, or reports the one that failed and binds none. */
export function start(rt: Runtime, events: EventLog, quietAccess = false, tls?: ReadonlyMap<number, TlsSetup>): Started | undefined {
  for (const w of rt.warnings) events("warn", w);
  const logCfg = rt.config.accessLog ?? { format: "combined" as const, path: "-" };
  const path = logCfg.path === "-" ? "-" : resolve(rt.baseDir, logCfg.path);
  const sink = quietAccess ? undefined : fileSink(path);
  const access = sink ? createAccessLog(logCfg.format, sink) : () => {};
  // Stickiness and health wrap the pool's method; they reach the spine only through these hooks.
  const affinity = createAffinity(rt, { events });
  try {
    const running = listen(rt, { deadlines: new Deadlines(), events, access, choose: affinity.choose, outcome: affinity.outcome, onResponse: affinity.onResponse, stickyCookie: affinity.stickyCookie }, tls);
    for (const url of running.urls) events("info", `listening on ${url}`);
    affinity.start();
    return { running, affinity, flushLog: () => sink?.flush(), reopenLog: () => sink?.reopen?.() };
  } catch (e) {
    events("error", `cannot listen: ${(e as Error).message}`);
    return undefined;
  }
}

export function waitForStop({ running, affinity, flushLog }: Started, rt: Runtime, events: EventLog): Promise<void> {
  return new Promise((done) => {
    const stop = async (sig: string) => {
      events("info", `${sig}: stopping; in-flight requests finish`);
      affinity.stop();
      // In-flight requests get a grace period, then whatever is left (long downloads,
      // WebSockets) is closed, as NGINX's worker_shutdown_timeout does.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceful = running.stop(false).then(() => true);
      const grace = rt.shutdownTimeoutMs;
      const expired = new Promise<false>((r) => (timer = setTimeout(() => r(false), grace)));
      if (!(await Promise.race([graceful, expired]))) {
        events("warn", `still busy after ${grace} ms (shutdownTimeout): closing the remaining connections`);
        await running.stop(true);
      }
      clearTimeout(timer);
      rt.close();
      // Every access line is out before exit, even into a pipe whose reader is slow; a reader
      // that never reads gets shutdownTimeout, not forever.
      events("info", `${sig}: stopped; writing out the access log`);
      await Promise.race([flushLog(), new Promise((r) => setTimeout(r, grace))]);
      done();
    };
    process.once("SIGTERM", () => void stop("SIGTERM"));
    process.once("SIGINT", () => void stop("SIGINT"));
    // NGINX: QUIT is the graceful shutdown.
    process.once("SIGQUIT", () => void stop("SIGQUIT"));
  });
}

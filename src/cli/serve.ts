/** `proxy --routes routes.json`: load, compile, listen; stop gracefully on SIGTERM/SIGINT. */
import type { Runtime } from "../config/runtime.ts";
import { installOperatorSignals } from "./signals.ts";
import { createAccessLog, fileSink } from "../log/access.ts";
import { configureEvents, eventSettings, stderrEvents, type EventLog } from "../log/events.ts";
import { formatIssue } from "../config/errors.ts";
import { bindIssue, preflight } from "./preflight.ts";
import { readFileSync } from "node:fs";
import { Deadlines } from "../proxy/deadlines.ts";
import { listen, type Running } from "../server/listen.ts";
import { loadRuntime, type Io } from "./check.ts";
import { createAffinity, type Affinity } from "../health/wire.ts";
import { loadListenerTls, type TlsSetup } from "../tls/listener-tls.ts";
import { resolve } from "node:path";

export async function runServe(file: string, io: Io): Promise<number> {
  // The event log's format applies from the first line, config errors included: read it before
  // validating (a bad eventLog value itself is reported in the default text format).
  configureEvents(peekEventLog(file));
  const report: Io = { out: io.out, err: (s) => (eventSettings().format === "json" ? eachLine(s, (l) => stderrEvents("error", l)) : io.err(s)) };
  const rt = await loadRuntime(file, report);
  if (!rt) return 1;
  configureEvents(rt.config.eventLog);
  let tls: Map<number, TlsSetup>;
  try {
    tls = await loadListenerTls(rt, stderrEvents);
  } catch (e) {
    report.err((e as Error).message);
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
  installOperatorSignals(stderrEvents, started.reopenLog);
  await waitForStop(started, rt, stderrEvents);
  return 0;
}

export interface Started {
  running: Running;
  affinity: Affinity;
  /** Writes out the access log's pending lines (awaited before exit: a pipe may not take them at once). */
  flushLog: () => void | Promise<unknown>;
  /** USR1: the access log file is reopened by its path. */
  reopenLog: () => void;
}

/** Binds every listener, or reports the one that failed and binds none. */
export function start(rt: Runtime, events: EventLog, quietAccess = false, tls?: ReadonlyMap<number, TlsSetup>): Started | undefined {
  for (const w of rt.warnings) events("warn", w);
  const pre = preflight(rt);
  const problems = [...pre.errors, ...pre.inUse];
  if (problems.length) {
    for (const p of problems) events("error", formatIssue(p).trim());
    return undefined;
  }
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
    for (const r of rt.router.routes()) r.auth?.keys.warm(events); // JWKS URLs fetch now, in the background
    return { running, affinity, flushLog: () => sink?.flush(), reopenLog: () => sink?.reopen?.() };
  } catch (e) {
    // Something took a port between the preflight probe and the bind: still name the listener.
    const i = rt.listeners.findIndex((l) => (e as Error).message.includes(String(l.port)));
    const l = rt.listeners[Math.max(0, i)]!;
    events("error", i >= 0 ? formatIssue(bindIssue(e, l.host, l.port, i)).trim() : `cannot listen: ${(e as Error).message}`);
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
  });
}

/** routes.json's eventLog when the file is JSON with a valid one; undefined otherwise. */
function peekEventLog(file: string): { format?: "text" | "json"; level?: "debug" | "info" | "warn" | "error" } | undefined {
  try {
    const e = (JSON.parse(readFileSync(file, "utf8")) as { eventLog?: { format?: unknown; level?: unknown } }).eventLog;
    const format = e?.format === "json" || e?.format === "text" ? e.format : undefined;
    const level = ["debug", "info", "warn", "error"].includes(e?.level as string) ? (e!.level as "info") : undefined;
    return { format, level };
  } catch {
    return undefined;
  }
}

function eachLine(s: string, f: (line: string) => void): void {
  for (const l of s.split("\n")) if (l.trim()) f(l.trim());
}

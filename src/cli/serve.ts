/** `proxy --routes routes.json [--watch]`: load, compile, listen; reload on SIGHUP; stop gracefully on SIGTERM/SIGINT. */
import type { Runtime } from "../config/runtime.ts";
import { createAccessLog, fileSink } from "../log/access.ts";
import { stderrEvents, type EventLog } from "../log/events.ts";
import { Deadlines } from "../proxy/deadlines.ts";
import { listen, type Running } from "../server/listen.ts";
import { loadRuntime, type Io } from "./check.ts";
import { createAffinity, type Affinity } from "../health/wire.ts";
import { loadListenerTls, type TlsSetup } from "../tls/listener-tls.ts";
import { resolve } from "node:path";
import type { HandlerDeps } from "../proxy/handler.ts";
import { MemberRegistry } from "../state/registry.ts";
import { createReloader, watchFile, type Reloader } from "./reload.ts";
import { dropPrivileges, lowPortHelp } from "./privileges.ts";

export interface ServeFlags { watch?: boolean; user?: string | undefined }

export async function runServe(file: string, io: Io, flags: ServeFlags = {}): Promise<number> {
  const registry = new MemberRegistry();
  // Installed before any port is bound: a HUP sent as soon as "listening on" appears must find
  // the handler (the default action of SIGHUP ends the process).
  let reloader: Reloader | undefined;
  process.on("SIGHUP", () => (reloader ? void reloader.reload("SIGHUP") : stderrEvents("warn", "SIGHUP before start-up finished: ignored")));
  const rt = await loadRuntime(file, io, registry);
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
  if (flags.user) {
    const problem = dropPrivileges(flags.user);
    if (problem) {
      stderrEvents("error", problem);
      await started.running.stop(true);
      return 1;
    }
    stderrEvents("info", `running as ${flags.user} (uid ${process.getuid?.()})`);
  }
  reloader = createReloader({ rt, affinity: started.affinity, running: started.running, tls }, { file, events: stderrEvents, registry, hooks: started.hooks });
  // NGINX `-s reload`: routes, pools, members and certificates, validated before anything changes.
  const live = reloader;
  if (flags.watch) watchFile(file, () => void live.reload("--watch"));
  // The live runtime and affinity are the reloader's: stop closes what is running then.
  await waitForStop(started, () => live.live, stderrEvents);
  return 0;
}

export interface Started {
  running: Running;
  affinity: Affinity;
  /** Writes out the access log's pending lines (awaited before exit: a pipe may not take them at once). */
  flushLog: () => void | Promise<unknown>;
  /** The spine's hooks for an affinity: a reload builds a new affinity and swaps these in. */
  hooks: (affinity: Affinity) => HandlerDeps;
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
  const deadlines = new Deadlines();
  const hooks = (a: Affinity): HandlerDeps => ({ deadlines, events, access, choose: a.choose, outcome: a.outcome, onResponse: a.onResponse, stickyCookie: a.stickyCookie });
  try {
    const running = listen(rt, hooks(affinity), tls);
    for (const url of running.urls) events("info", `listening on ${url}`);
    affinity.start();
    return { running, affinity, hooks, flushLog: () => sink?.flush() };
  } catch (e) {
    const low = rt.listeners.find((l) => l.port > 0 && l.port < 1024);
    const denied = /EACCES|permission denied/i.test(String((e as NodeJS.ErrnoException).code ?? (e as Error).message));
    events("error", `cannot listen: ${(e as Error).message}${denied && low ? `\n${lowPortHelp(low.port)}` : ""}`);
    return undefined;
  }
}

export function waitForStop({ running, flushLog }: Started, current: () => { rt: Runtime; affinity: Affinity }, events: EventLog): Promise<void> {
  return new Promise((done) => {
    const stop = async (sig: string) => {
      const { rt, affinity } = current();
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

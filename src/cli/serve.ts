/** `proxy --routes routes.json [--watch]`: load, compile, listen; reload on SIGHUP; stop gracefully on SIGTERM/SIGINT. */
import type { Runtime } from "../config/runtime.ts";
import { createAccessLog, fileSink } from "../log/access.ts";
import { configureEvents, eventSettings, stderrEvents, type EventLog } from "../log/events.ts";
import { formatIssue } from "../config/errors.ts";
import { bindIssue, preflight } from "./preflight.ts";
import { SHARED_PORTS } from "../server/bound-listener.ts";
import { readFileSync } from "node:fs";
import { Deadlines } from "../proxy/deadlines.ts";
import { listen, ListenerBindError, type Running } from "../server/listen.ts";
import { loadRuntime, reportAllProblems, type Io } from "./check.ts";
import { createAffinity, type Affinity } from "../health/wire.ts";
import { loadListenerTls, type TlsSetup } from "../tls/listener-tls.ts";
import { resolve } from "node:path";
import type { ListenDeps } from "../server/listen.ts";
import { scheduleRenewal } from "./renew.ts";
import type { startAdmin } from "./admin.ts";
import { registryFor } from "./runtime-state.ts";
import { createReloader, membersOf, watchFile, type Reloader } from "./reload.ts";
import { dropPrivileges, lowPortHelp } from "./privileges.ts";
import { watchOperatorSignals } from "./signals.ts";
import { WORKER_ENV } from "./workers.ts";
import { certificateExpiries } from "../tls/expiry.ts";
import { readConfigText } from "../config/load.ts";
import { reportApplied, startGeneration, startText } from "./worker-config.ts";
import { countRefusals } from "../metrics/record.ts";
import { releaseAfterStart } from "./startup-pages.ts";

/**
 * How long internal certificates live: 90 days, unless EDGE_INTERNAL_CERT_LIFETIME_MS says
 * otherwise (for watching renewal happen, in tests or a staging run; not a routes.json field).
 */
const internalLifetimeMs = Number(process.env.EDGE_INTERNAL_CERT_LIFETIME_MS) > 0 ? Number(process.env.EDGE_INTERNAL_CERT_LIFETIME_MS) : undefined;

export interface ServeFlags { watch?: boolean; user?: string | undefined }

export async function runServe(file: string, io: Io, flags: ServeFlags = {}): Promise<number> {
  // Installed before any port is bound: a HUP sent as soon as "listening on" appears must find
  // the handler (the default action of SIGHUP ends the process).
  // One that comes while starting reloads once started: the file it asks for may be newer than
  // the one being loaded (and a --workers worker started from its supervisor's copy).
  let reloader: Reloader | undefined;
  let hupWhileStarting = false;
  process.on("SIGHUP", () => (reloader ? void reloader.reload("SIGHUP") : (hupWhileStarting = true)));
  let reopenLog = () => {};
  watchOperatorSignals({ reopenLog: () => reopenLog() }, stderrEvents);
  if (SHARED_PORTS) {
    process.send?.({ kind: "worker-up" }); // the supervisor may pass HUP and USR1 on now
    configureEvents({ worker: Number(process.env[WORKER_ENV]) }); // its lines say which worker wrote them
  }
  const report = eventIo(file, io);
  // A --workers worker starts from the configuration its supervisor knows is running (worker-config.ts).
  const given = await startText();
  const text = given ?? (await readConfigText(file).catch((e: Error) => void report.err(e.message)));
  if (text === undefined) return 1;
  let failure = "";
  const rt = await loadRuntime(file, { out: () => {}, err: (m) => (failure = m) }, (config) => registryFor(config, file, stderrEvents), async () => text);
  if (!rt) return await reportAllProblems(file, text, failure, report), 1;
  configureEvents(rt.config.eventLog);
  // Saved overrides of members removed from routes.json while the proxy was stopped go now.
  rt.registry.retain(membersOf(rt));
  // Hono, its validators and the status page cost a proxy without `admin` ~0.3 MB of RSS for nothing.
  // Imported before anything starts, so startAdmin runs where it did, with no await in between.
  const adminModule = rt.config.admin ? await import("./admin.ts") : undefined;
  let tls: Map<number, TlsSetup>;
  try {
    tls = await loadListenerTls(rt, stderrEvents, { internalLifetimeMs });
    adminModule?.verifierFor(rt); // its secret or JWKS file read now, before any port is bound
  } catch (e) {
    rt.close();
    await reportAllProblems(file, text, (e as Error).message, report);
    return 1;
  }
  const started = start(rt, stderrEvents, false, tls);
  if (!started) return 1;
  reopenLog = started.reopenLog;
  // NGINX `-s reload`: routes, pools, members and certificates, validated before anything changes.
  // Without admin at start its module is not loaded: adding one then waits for a restart.
  const check = adminModule?.adminReloadCheck ?? ((_: Runtime, next: Runtime) => ({ errors: [], warnings: next.config.admin ? ["admin added: takes effect at the next restart"] : [] }));
  const live = createReloader({ rt, affinity: started.affinity, running: started.running, tls }, { file, events: stderrEvents, hooks: started.hooks, internalLifetimeMs, check, generation: startGeneration() });
  reloader = live;
  reportApplied(text, live.generation);
  live.onReload(reportApplied);
  if (hupWhileStarting) void live.reload("SIGHUP during start-up");
  let admin: ReturnType<typeof startAdmin>;
  let stopping = false;
  try {
    const hosts = () => started.running.urls.map((u) => new URL(u).host);
    const connections = () => {
      const open = started.running.connectionsOpen();
      return new Map(hosts().flatMap((h, i) => (open[i] === undefined ? [] : [[h, open[i]!] as const])));
    };
    const certificates = () => [...live.live.tls].flatMap(([i, setup]) => certificateExpiries(setup).map((c) => ({ listener: hosts()[i] ?? String(i), ...c })));
    admin = adminModule?.startAdmin({ file, events: stderrEvents, runtime: () => live.live.rt, listeners: hosts, connections, certificates, reload: () => live.reload("API"), reloads: () => live.stats, ready: () => !stopping });
  } catch (e) {
    report.err(`admin: cannot start: ${(e as Error).message}`);
    await started.running.stop(true);
    return 1;
  }
  // Root is dropped once everything is bound and read: the admin listener and its secret too
  // (NGINX's master binds and reads as root). dataDir, where overrides and internal
  // certificates are written later, is handed to the user first, as NGINX chowns its temp paths.
  if (flags.user) {
    const problem = dropPrivileges(flags.user, undefined, [resolve(rt.baseDir, rt.config.dataDir)]);
    if (problem) {
      stderrEvents("error", problem);
      admin?.stop();
      await started.running.stop(true);
      return 1;
    }
    stderrEvents("info", `running as ${flags.user} (uid ${process.getuid?.()})`);
  }
  let loadedFor: Runtime | undefined;
  const renew = (from: ReadonlyMap<number, TlsSetup>) => scheduleRenewal(from, {
    load: () => loadListenerTls((loadedFor = live.live.rt), stderrEvents, { internalLifetimeMs }),
    apply: async (next) => {
      // A reload in between re-read every certificate, and its listeners may sit at other indexes.
      if (loadedFor !== live.live.rt) return;
      await started.running.reloadTls(next);
      live.tlsRenewed(next);
    },
    events: stderrEvents,
  });
  let renewal = renew(tls);
  // A reload may add a listener with internal certificates, or bring other renewal dates: re-arm.
  live.onReload(() => (renewal.stop(), (renewal = renew(live.live.tls))));
  process.once("beforeExit", () => renewal.stop());
  if (flags.watch) watchFile(file, () => void live.reload("--watch"));
  // The live runtime and affinity are the reloader's: stop closes what is running then.
  await waitForStop(started, () => live.live, stderrEvents, () => (stopping = true));
  admin?.stop();
  return 0;
}

export interface Started {
  running: Running;
  affinity: Affinity;
  /** Writes out the access log's pending lines (awaited before exit: a pipe may not take them at once). */
  flushLog: () => void | Promise<unknown>;
  /** The engine's hooks for an affinity: a reload builds a new affinity and swaps these in. */
  hooks: (affinity: Affinity) => ListenDeps;
  /** Reopens the access log file (USR1). */
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
  const access = countRefusals(rt.registry.refused, sink ? createAccessLog(logCfg.format, sink) : () => {});
  // Stickiness and health wrap the pool's method; they reach the engine only through these hooks.
  const affinity = createAffinity(rt, { events });
  const deadlines = new Deadlines();
  const hooks = (a: Affinity): ListenDeps => ({ deadlines, events, access, choose: a.choose, outcome: a.outcome, stickyCookie: a.stickyCookie });
  try {
    const running = listen(rt, hooks(affinity), tls);
    for (const url of running.urls) events("info", `listening on ${url}`);
    // The binary starts with JIT tier-up made reluctant (scripts/build.ts): from here on the
    // request path runs, and it must reach the optimizing tiers as usual.
    Bun.unsafe.setJITPolicy(1);
    releaseAfterStart(events);
    affinity.start();
    for (const r of rt.router.routes()) r.auth?.keys.warm(events); // JWKS URLs fetch now, in the background
    return { running, affinity, hooks, flushLog: () => sink?.flush(), reopenLog: () => sink?.reopen?.() };
  } catch (e) {
    // Something took a port between the preflight probe and the bind: still name the listener.
    const i = e instanceof ListenerBindError ? e.index : -1;
    const cause = e instanceof ListenerBindError ? e.cause : e;
    const l = rt.listeners[Math.max(0, i)]!;
    const low = rt.listeners.find((x) => x.port > 0 && x.port < 1024);
    const denied = /EACCES|permission denied/i.test(String((cause as NodeJS.ErrnoException).code ?? (cause as Error).message));
    events("error", (i >= 0 ? formatIssue(bindIssue(cause, l.host, l.port, i)).trim() : `cannot listen: ${(e as Error).message}`) + (denied && low ? `\n${lowPortHelp(low.port)}` : ""));
    return undefined;
  }
}

/** `stopping` runs first, before any listener closes (the admin's /readyz turns 503). */
export function waitForStop({ running, flushLog }: Started, current: () => { rt: Runtime; affinity: Affinity }, events: EventLog, stopping?: () => void): Promise<void> {
  return new Promise((done) => {
    const stop = async (sig: string) => {
      stopping?.();
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
    // NGINX: QUIT is the graceful shutdown.
    process.once("SIGQUIT", () => void stop("SIGQUIT"));
    // A --workers worker whose supervisor is gone (kill -9) must not serve on alone, unowned and
    // unrestartable, as HAProxy's workers leave with their master: the IPC channel closing says so.
    if (SHARED_PORTS) process.once("disconnect", () => void stop("supervisor gone"));
  });
}

/**
 * The event log's format applies from the first line, config errors included: routes.json's
 * eventLog is read before the file is validated (a bad eventLog value itself is reported in the
 * default text format). Returns the Io whose errors follow that format.
 */
export function eventIo(file: string, io: Io): Io {
  configureEvents(peekEventLog(file));
  return { out: io.out, err: (s) => (eventSettings().format === "json" ? eachLine(s, (l) => stderrEvents("error", l)) : io.err(s)) };
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

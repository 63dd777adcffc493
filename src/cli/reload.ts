/**
 * Reload (SIGHUP, --watch, the admin API): load and validate the file first; a bad one keeps
 * the running configuration and logs every error with its JSON path. A good one is compiled
 * with the running members (state/registry.ts), swapped into the bound listeners for new
 * requests (in-flight ones finish on the old plan), and one line says what changed.
 *
 * Compiling against the running members writes routes.json's values onto them, so that step,
 * the binds and the swap run in one synchronous stretch, staged in the registry and rolled back
 * if a bind fails; what can fail while awaiting (certificates, key files) is checked before, on
 * a throwaway compile. No admin change can land in between, and a refused reload changes nothing.
 */
import { watch } from "node:fs";
import { dirname } from "node:path";
import { compile } from "../config/compile.ts";
import { ConfigError } from "../config/errors.ts";
import { parseConfigText, readConfigText } from "../config/load.ts";
import type { Runtime } from "../config/runtime.ts";
import type { Config } from "../config/schema.ts";
import { createAffinity, type Affinity } from "../health/wire.ts";
import type { EventLog } from "../log/events.ts";
import { ListenerBindError, type Applied, type ListenDeps, type Running } from "../server/listen.ts";
import { describe } from "./reload-summary.ts";
import { bindIssue } from "./preflight.ts";
import { loadListenerTls, type TlsSetup } from "../tls/listener-tls.ts";
import type { Member } from "../balancer/member.ts";

export type ReloadResult = { generation: number } | { errors: string[] };

export interface Live {
  rt: Runtime;
  affinity: Affinity;
  running: Running;
  tls: ReadonlyMap<number, TlsSetup>;
}

export interface ReloaderDeps {
  file: string;
  events: EventLog;
  /** Internal certificates' lifetime, as at start (cli/serve.ts). */
  internalLifetimeMs?: number | undefined;
  /** The engine's hooks for a runtime and its affinity (access log and deadlines stay the same). */
  hooks: (affinity: Affinity) => ListenDeps;
  /** The generation running at start (a restarted --workers worker continues its siblings' count). */
  generation?: number | undefined;
  /** What else the next config needs (the admin's key material): errors refuse it, warnings are logged with it. */
  check?: ((running: Runtime, next: Runtime) => { errors: string[]; warnings: string[] }) | undefined;
}

export interface Reloader {
  reload(trigger: string): Promise<ReloadResult>;
  readonly generation: number;
  readonly live: Live;
  /** Certificates swapped in outside a reload (internal-certificate renewal). */
  tlsRenewed(tls: ReadonlyMap<number, TlsSetup>): void;
  /** Called after each successful reload with the text applied (the renewal timer re-arms; a --workers worker reports it). */
  onReload(f: (text: string, generation: number) => void): void;
  /** For the admin API and /metrics. */
  readonly stats: { generation: number; success: number; failure: number; loadedAt: number };
}

/** Every member a runtime routes to (what the registry keeps). */
export const membersOf = (rt: Runtime): Member[] => [...rt.pools.values()].flatMap((p) => p.pool.members);

export function createReloader(first: Live, d: ReloaderDeps): Reloader {
  let live = first;
  let generation = d.generation ?? 1;
  let success = 0;
  let failure = 0;
  let loadedAt = Date.now();
  // One reload at a time: a SIGHUP during a --watch reload waits for it, then runs on the newer file.
  let queue: Promise<unknown> = Promise.resolve();
  const reloaded: ((text: string, generation: number) => void)[] = [];
  const fail = (trigger: string, errors: string[]): ReloadResult => {
    failure++;
    d.events("error", `reload (${trigger}) failed, still serving generation ${generation}:\n  ${errors.join("\n  ")}`);
    return { errors };
  };
  const configErrors = (e: unknown) => e instanceof ConfigError ? e.issues.map((i) => `${i.path || "(top level)"}: ${i.message}`) : [`${d.file}: ${(e as Error).message}`];
  async function once(trigger: string): Promise<ReloadResult> {
    let text: string;
    let config: Config;
    let tls: ReadonlyMap<number, TlsSetup>;
    let warnings: string[] = [];
    try {
      text = await readConfigText(d.file);
      config = parseConfigText(text, d.file);
      // A throwaway compile with members of its own: nothing running is touched while we await.
      const dry = compile(config, { file: d.file });
      try {
        tls = await loadListenerTls(dry, d.events, { internalLifetimeMs: d.internalLifetimeMs });
        const checked = d.check?.(live.rt, dry);
        if (checked?.errors.length) return fail(trigger, checked.errors);
        warnings = checked?.warnings ?? [];
      } finally {
        dry.close();
      }
    } catch (e) {
      return fail(trigger, configErrors(e));
    }
    // From here to commit nothing awaits.
    const registry = live.rt.registry;
    const staged = registry.stage();
    let rt: Runtime;
    try {
      rt = compile(config, { file: d.file, registry, previous: live.rt });
    } catch (e) {
      staged.rollback();
      return fail(trigger, configErrors(e));
    }
    const affinity = createAffinity(rt, { events: d.events }, live.affinity);
    let applied: Applied;
    try {
      // Binds added listeners and swaps certificates first: a port in use changes nothing.
      applied = live.running.apply(rt, d.hooks(affinity), tls);
    } catch (e) {
      staged.rollback();
      rt.close();
      return fail(trigger, listenerErrors(e, rt));
    }
    staged.commit();
    // Members that left routes.json are forgotten; those that stay are the same objects.
    registry.retain(membersOf(rt));
    for (const w of [...rt.warnings, ...warnings]) d.events("warn", w);
    for (const route of rt.router.routes()) route.auth?.keys.warm(d.events); // a new JWKS URL fetches now, in the background
    const old = live;
    old.affinity.stop();
    affinity.start();
    live = { rt, affinity, running: old.running, tls };
    generation++;
    success++;
    loadedAt = Date.now();
    for (const url of applied.added) d.events("info", `listening on ${url}`);
    d.events("info", `reload (${trigger}): generation ${generation}; ${describe(old.rt, rt, applied)}; certificates ${applied.certificates ? "reloaded" : "unchanged"}`);
    // Requests still on the old plan get shutdownTimeout before its retired connections close.
    setTimeout(() => applied.closeLanes(), old.rt.shutdownTimeoutMs).unref?.();
    for (const f of reloaded) f(text, generation);
    return { generation };
  }
  return {
    reload(trigger) {
      const next = queue.then(() => once(trigger));
      queue = next.catch(() => {});
      return next;
    },
    get generation() {
      return generation;
    },
    get live() {
      return live;
    },
    tlsRenewed(tls) {
      live = { ...live, tls };
    },
    onReload(f) {
      reloaded.push(f);
    },
    get stats() {
      return { generation, success, failure, loadedAt };
    },
  };
}

/**
 * --watch: the directory is watched, not the file, because a Kubernetes ConfigMap update
 * replaces the `..data` symlink (the file's inode never changes, its target does). Bursts of
 * events (an editor's write + rename) become one reload once the text really changed.
 */
export function watchFile(file: string, onChange: () => void, settleMs = 150): () => void {
  let last = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = () => Bun.file(file).text().catch(() => "");
  void read().then((t) => (last = t));
  const w = watch(dirname(file), () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = await read();
      if (text === last || text === "") return;
      last = text;
      onChange();
    }, settleMs);
  });
  return () => w.close();
}

/** A bind's error as start-up names it (listeners[i].port: 8443 is in use ...); others as they are. */
function listenerErrors(e: unknown, rt: Runtime): string[] {
  if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
  if (!(e instanceof ListenerBindError)) return [(e as Error).message];
  const l = rt.listeners[e.index]!;
  const issue = bindIssue(e.cause, l.host, l.port, e.index);
  return [`${issue.path}: ${issue.message}`];
}

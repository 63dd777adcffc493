/**
 * Reload (SIGHUP, --watch, the admin API): load and validate the file first; a bad one keeps
 * the running configuration and logs every error with its JSON path. A good one is compiled
 * with the running members (state/registry.ts), swapped into the bound listeners for new
 * requests (in-flight ones finish on the old plan), and one line says what changed.
 */
import { watch } from "node:fs";
import { dirname } from "node:path";
import { compile } from "../config/compile.ts";
import { ConfigError } from "../config/errors.ts";
import { loadConfigFile } from "../config/load.ts";
import type { Runtime } from "../config/runtime.ts";
import { createAffinity, type Affinity } from "../health/wire.ts";
import type { EventLog } from "../log/events.ts";
import type { HandlerDeps } from "../proxy/handler.ts";
import type { Running } from "../server/listen.ts";
import { loadListenerTls, type TlsSetup } from "../tls/listener-tls.ts";

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
  /** The spine's hooks for a runtime and its affinity (access log and deadlines stay the same). */
  hooks: (affinity: Affinity) => HandlerDeps;
}

export interface Reloader {
  reload(trigger: string): Promise<ReloadResult>;
  readonly generation: number;
  readonly live: Live;
  /** Certificates swapped in outside a reload (internal-certificate renewal). */
  tlsRenewed(tls: ReadonlyMap<number, TlsSetup>): void;
  /** For the admin API and /metrics. */
  readonly stats: { generation: number; success: number; failure: number; loadedAt: number };
}

export function createReloader(first: Live, d: ReloaderDeps): Reloader {
  let live = first;
  let generation = 1;
  let success = 0;
  let failure = 0;
  let loadedAt = Date.now();
  // One reload at a time: a SIGHUP during a --watch reload waits for it, then runs on the newer file.
  let queue: Promise<unknown> = Promise.resolve();
  const fail = (trigger: string, errors: string[]): ReloadResult => {
    failure++;
    d.events("error", `reload (${trigger}) failed, still serving generation ${generation}:\n  ${errors.join("\n  ")}`);
    return { errors };
  };
  async function once(trigger: string): Promise<ReloadResult> {
    let rt: Runtime;
    try {
      rt = compile(await loadConfigFile(d.file), { file: d.file, registry: live.rt.registry, previous: live.rt });
    } catch (e) {
      return fail(trigger, e instanceof ConfigError ? e.issues.map((i) => `${i.path || "(top level)"}: ${i.message}`) : [`${d.file}: ${(e as Error).message}`]);
    }
    const listenerChange = diffKeys(live.rt.listeners.map(listenerKey), rt.listeners.map(listenerKey));
    if (listenerChange.length) {
      return fail(trigger, [`listeners: ${listenerChange.join(", ")}: adding or removing a listener needs a restart (routes, pools and members reload without one)`]);
    }
    let tls: ReadonlyMap<number, TlsSetup>;
    let certs = false;
    try {
      tls = await loadListenerTls(rt, d.events, { internalLifetimeMs: d.internalLifetimeMs });
      certs = certsChanged(live.tls, tls);
      if (certs) await live.running.reloadTls(tls);
    } catch (e) {
      return fail(trigger, [(e as Error).message]);
    }
    // Members that left routes.json are forgotten; those that stay are the same objects.
    rt.registry.retain([...rt.pools.values()].flatMap((p) => p.pool.members));
    for (const w of rt.warnings) d.events("warn", w);
    const affinity = createAffinity(rt, { events: d.events }, live.affinity);
    const closeLanes = live.running.swap(rt, d.hooks(affinity));
    const old = live;
    old.affinity.stop();
    affinity.start();
    live = { rt, affinity, running: old.running, tls };
    generation++;
    success++;
    loadedAt = Date.now();
    d.events("info", `reload (${trigger}): generation ${generation}; ${describe(old.rt, rt)}; certificates ${certs ? "reloaded" : "unchanged"}`);
    // Requests still on the old plan get shutdownTimeout before its retired connections close.
    setTimeout(() => {
      closeLanes();
      const kept = new Set([...rt.pools.values()].flatMap((p) => [...p.transports.values()]));
      for (const p of old.rt.pools.values()) for (const t of p.transports.values()) if (!kept.has(t)) t.close();
    }, old.rt.shutdownTimeoutMs).unref?.();
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

const listenerKey = (l: Runtime["listeners"][number]) => `${l.host}:${l.port}${l.tls ? " tls" : ""}${l.redirectHttps ? ` redirect:${l.redirectHttps.port}` : ""}`;

function diffKeys(before: string[], after: string[]): string[] {
  const a = new Set(after), b = new Set(before);
  return [...after.filter((k) => !b.has(k)).map((k) => `+${k}`), ...before.filter((k) => !a.has(k)).map((k) => `-${k}`)];
}

function certsChanged(a: ReadonlyMap<number, TlsSetup>, b: ReadonlyMap<number, TlsSetup>): boolean {
  const pems = (m: ReadonlyMap<number, TlsSetup>) => JSON.stringify([...m].map(([i, s]) => [i, s.entries]));
  return pems(a) !== pems(b);
}

const memberKey = (pool: string, url: string): string => `${pool} ${url}`;

/** "routes +2 -0, pools +0 -1, members +1 -1 (api http://...)" for the reload's log line. */
export function describe(before: Runtime, after: Runtime): string {
  const routes = (rt: Runtime) => [...rt.router.routes()].map((r) => `${r.label}->${r.action.kind === "pool" ? r.action.pool.name : r.action.kind}`);
  const members = (rt: Runtime) => [...rt.pools.values()].flatMap((p) => p.pool.members.map((m) => memberKey(p.name, m.url.href)));
  const part = (name: string, d: string[]) => `${name} ${d.length ? d.join(" ") : "unchanged"}`;
  return [
    part("routes", diffKeys(routes(before), routes(after))),
    part("pools", diffKeys([...before.pools.keys()], [...after.pools.keys()])),
    part("members", diffKeys(members(before), members(after))),
    "listeners unchanged",
  ].join("; ");
}

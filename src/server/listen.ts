/**
 * The listeners of a running proxy (one bound-listener.ts each, in config order), and the one
 * place a reload changes them: kept listeners serve the new plan in place, added ones are bound,
 * removed ones stop accepting and drain for shutdownTimeout, as SIGTERM does.
 */
import { ConfigError } from "../config/errors.ts";
import type { Runtime } from "../config/runtime.ts";
import { fastLanes } from "../front/plan.ts";
import type { FastDeps } from "../front/exchange.ts";
import type { TlsSetup } from "../tls/listener-tls.ts";
import { bindListener, type Bound, type Serving } from "./bound-listener.ts";
import { planListeners } from "./listener-plan.ts";

/** What the composition (cli/serve.ts) hands the engine: the hooks of stickiness, health and logging. */
export type ListenDeps = Pick<FastDeps, "deadlines" | "events" | "access" | "stickyCookie"> & Partial<Pick<FastDeps, "choose" | "outcome">>;

export interface Running {
  /** the public address of each listener, in config order */
  readonly urls: string[];
  stop(closeActive?: boolean): Promise<void>;
  /** Open client connections per listener, in config order. */
  connectionsOpen(): (number | undefined)[];
  /**
   * New certificates for the same listeners, without dropping connections (bound-listener.ts).
   * All-or-nothing: if any listener refuses them, every one keeps its old certificates.
   */
  reloadTls(tls: ReadonlyMap<number, TlsSetup>): Promise<void>;
  /**
   * A reload: `rt` serves new requests from now on; those in flight finish with the plan they
   * started with. All-or-nothing: a listener that cannot be bound (ListenerBindError), a port
   * still held by a removed listener (ConfigError) or refused certificates change nothing.
   */
  apply(rt: Runtime, deps: ListenDeps, tls: ReadonlyMap<number, TlsSetup>): Applied;
}

export interface Applied {
  /** public URLs of the listeners bound and of those draining */
  added: string[];
  removed: string[];
  /** a kept listener took new certificates */
  certificates: boolean;
  /** Closes the lanes of members the new plan no longer has (once old requests had their time). */
  closeLanes(): void;
}

/** A listener of the new configuration that could not be bound; `cause` is the bind's error. */
export class ListenerBindError extends Error {
  readonly index: number;
  override readonly cause: unknown;
  constructor(index: number, cause: unknown) {
    super(`listeners[${index}]: ${(cause as Error).message}`);
    this.index = index;
    this.cause = cause;
  }
}

/** Injectable for tests: a removed listener's drain deadline. */
export interface Clock { after(ms: number, fn: () => void): () => void }
const realClock: Clock = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.(); // a drain deadline is never why the process stays up after stop()
    return () => clearTimeout(t);
  },
};

export function listen(rt: Runtime, deps: ListenDeps, tls?: ReadonlyMap<number, TlsSetup>, clock: Clock = realClock): Running {
  let serving: Serving = { rt, deps, lanes: fastLanes(rt) };
  let bound: Bound[];
  try {
    bound = bindAll(rt, [...rt.listeners.keys()], serving, tls);
  } catch (e) {
    serving.lanes.close();
    throw e;
  }
  // Removed listeners still finishing their connections; stop() ends them too.
  const draining = new Set<Bound>();
  const drain = (b: Bound, ms: number) => {
    draining.add(b);
    const done = () => (cancel(), draining.delete(b));
    const cancel = clock.after(ms, () => {
      deps.events("warn", `listener ${b.url} (removed): still busy after ${ms} ms (shutdownTimeout): closing its remaining connections`);
      void b.stop(true).then(done);
    });
    void b.stop(false).then(() => draining.has(b) && (done(), deps.events("info", `listener ${b.url} (removed): its last connection closed`)));
  };

  return {
    get urls() { return bound.map((b) => b.url); },
    connectionsOpen: () => bound.map((b) => b.open()),
    async stop(closeActive = false) {
      await Promise.all([...bound, ...draining].map((b) => b.stop(closeActive)));
      serving.lanes.close();
    },
    async reloadTls(next) {
      swapTls(bound.map((b, i) => [b, next.get(i)]));
      tls = next;
    },
    apply(next, d, nextTls) {
      const plan = planListeners(serving.rt.listeners, next.listeners);
      if (plan.conflicts.length) throw new ConfigError("listeners", plan.conflicts);
      const before = serving;
      const ns: Serving = { rt: next, deps: d, lanes: fastLanes(next, before.lanes.lanes) };
      const closeLanes = () => closeAllBut(before.lanes.lanes, ns.lanes.lanes);
      // Lanes of members new in `next`, if this reload is undone.
      const undoLanes = () => closeAllBut(ns.lanes.lanes, before.lanes.lanes);
      let fresh: Bound[];
      try {
        fresh = bindAll(next, plan.added, ns, nextTls);
      } catch (e) {
        undoLanes();
        throw e;
      }
      const after: Bound[] = new Array(next.listeners.length);
      plan.added.forEach((j, k) => (after[j] = fresh[k]!));
      for (const [i, j] of plan.kept) after[j] = bound[i]!;
      let certificates: boolean;
      try {
        certificates = swapTls(plan.kept.map(([i, j]) => [bound[i]!, changed(tls?.get(i), nextTls.get(j))]));
      } catch (e) {
        for (const b of fresh) void b.stop(true);
        undoLanes();
        throw e;
      }
      for (const [, j] of plan.kept) after[j]!.swap(next.listeners[j]!, ns);
      const removed = plan.removed.map((i) => bound[i]!);
      // The old generation's shutdownTimeout: the connections being drained were accepted under it (NGINX's old workers keep theirs too).
      for (const b of removed) drain(b, before.rt.shutdownTimeoutMs);
      bound = after;
      serving = ns;
      tls = nextTls;
      return { added: fresh.map((b) => b.url), removed: removed.map((b) => b.url), certificates, closeLanes };
    },
  };
}

function closeAllBut(lanes: Serving["lanes"]["lanes"], keep: Serving["lanes"]["lanes"]): void {
  const kept = new Set(keep.values());
  for (const lane of lanes.values()) if (!kept.has(lane)) lane.close();
}

/** The new setup when its certificates differ from the running ones. */
function changed(a: TlsSetup | undefined, b: TlsSetup | undefined): TlsSetup | undefined {
  return b && JSON.stringify(a?.entries) !== JSON.stringify(b.entries) ? b : undefined;
}

/** Every listener takes its new certificates, or none does. True when any did. */
function swapTls(pairs: [Bound, TlsSetup | undefined][]): boolean {
  const prepared: ReturnType<Bound["prepareTls"]>[] = [];
  try {
    for (const [b, setup] of pairs) if (setup && b.tls) prepared.push(b.prepareTls(setup));
  } catch (e) {
    for (const p of prepared) p.abort();
    throw new Error(`TLS reload failed, still serving the old certificates: ${(e as Error).message}`);
  }
  for (const p of prepared) p.commit();
  return prepared.length > 0;
}

/** Binds rt.listeners[i] for each of `which`, or none of them. */
function bindAll(rt: Runtime, which: number[], s: Serving, tls: ReadonlyMap<number, TlsSetup> | undefined): Bound[] {
  const out: Bound[] = [];
  for (const i of which) {
    const l = rt.listeners[i]!;
    try {
      if (l.tls && !tls?.get(i)) throw new Error(`listeners[${i}].tls: no certificates loaded for this listener (loadListenerTls must run before listen)`);
      out.push(bindListener(l, s, tls?.get(i)));
    } catch (e) {
      for (const b of out) void b.stop(true);
      throw l.tls && !tls?.get(i) ? e : new ListenerBindError(i, e);
    }
  }
  return out;
}

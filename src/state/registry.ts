/**
 * The live members, keyed by pool name + member URL: compile asks here instead of creating
 * members, so a reload keeps each member's health, admin state and counters (Caddy keeps its
 * upstream hosts across config loads the same way). Runtime overrides (drain, disable, weight
 * from the admin API) are applied here, against routes.json, with one precedence rule: an
 * override holds while the routes.json value it was made against is unchanged; an edit of that
 * value in routes.json wins and drops the override (logged).
 */
import { Member, type MemberInit, type MemberState } from "../balancer/member.ts";
import type { EventLog } from "../log/events.ts";
import { Histogram } from "../metrics/histogram.ts";
import { refusalCounts, type RefusalCounts } from "../metrics/record.ts";
import { memoryStore, type MemberOverride, type OverrideMap, type OverrideStore } from "./overrides.ts";

/** Counters of one pool that outlive its config. */
export interface PoolStats { retries: number }

/** Counters of one route (by its label): requests by member and status, bytes, latency. */
export interface RouteStats {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  latency: Histogram;
  /** Member (null: none chosen) -> status -> count. Filled on first sight, then only bumped. */
  codes: Map<Member | null, Map<number, number>>;
}

export interface MemberChange { state?: MemberState | undefined; weight?: number | undefined }

/** What compiling a config may change on a member: restored if that config is refused. */
type MemberFields = Pick<Member, "route" | "routeExplicit" | "standby" | "configState" | "configWeight" | "state" | "weight">;

interface Held { events: [Parameters<EventLog>[0], string][]; save: boolean }

/**
 * A reload's changes to the live members, held back until the reload succeeds: compile writes
 * routes.json's values onto the members it shares with the running config, so a config refused
 * later (a port in use, a missing key file) must put them back (NGINX keeps the old
 * configuration whole when a reload fails).
 */
export interface Staged {
  /** The reload went through: log and save what it changed. */
  commit(): void;
  /** The reload was refused: members, overrides and the saved state are as before. */
  rollback(): void;
}

export class Registry {
  readonly #members = new Map<string, Member>();
  readonly #pools = new Map<string, PoolStats>();
  readonly #routes = new Map<string, RouteStats>();
  /** Requests refused before routing, by status (metrics/record.ts countRefusals); no route holds them. */
  readonly refused: RefusalCounts = refusalCounts();
  readonly #store: OverrideStore;
  readonly #events: EventLog;
  #overrides: OverrideMap;
  /** While a reload is staged: its log lines and whether it would save, held back. */
  #held: Held | undefined;

  constructor(store: OverrideStore = memoryStore(), events: EventLog = () => {}) {
    this.#store = store;
    this.#events = events;
    this.#overrides = store.load();
  }

  /**
   * Reads the saved overrides again and applies them: a --workers worker does this as it starts
   * answering admin calls, since a sibling may have saved a change after this one first read the file.
   */
  refresh(): void {
    this.#overrides = this.#store.load();
    for (const m of this.#members.values()) this.#apply(m.poolName, m);
  }

  /** The member for pool + URL, created once; config fields refreshed, overrides applied. */
  member(pool: string, init: MemberInit): Member {
    const key = `${pool} ${new URL(init.url).href}`;
    let m = this.#members.get(key);
    if (!m) {
      this.#members.set(key, (m = new Member(init)));
      m.poolName = pool;
    }
    // A route learned from the member's Set-Cookie (sticky.learn) outlives reloads while routes.json names none.
    if (init.routeExplicit !== false || m.routeExplicit) m.route = init.route;
    m.routeExplicit = init.routeExplicit ?? true;
    m.standby = init.standby;
    m.configState = init.state;
    m.configWeight = init.weight;
    this.#apply(pool, m);
    return m;
  }

  /** Starts a reload: until commit or rollback, changes are held (one reload runs at a time). */
  stage(): Staged {
    if (this.#held) throw new Error("a reload is already staged");
    const members = new Map(this.#members);
    const fields = new Map<Member, MemberFields>();
    for (const m of members.values()) {
      fields.set(m, { route: m.route, routeExplicit: m.routeExplicit, standby: m.standby, configState: m.configState, configWeight: m.configWeight, state: m.state, weight: m.weight });
    }
    const overrides = structuredClone(this.#overrides);
    const held: Held = { events: [], save: false };
    this.#held = held;
    const end = () => {
      if (this.#held !== held) throw new Error("this reload is no longer staged");
      this.#held = undefined;
    };
    return {
      commit: () => {
        end();
        for (const [level, msg] of held.events) this.#events(level, msg);
        if (held.save) this.#save();
      },
      rollback: () => {
        end();
        this.#members.clear();
        for (const [k, m] of members) this.#members.set(k, m);
        for (const [m, f] of fields) Object.assign(m, f);
        this.#overrides = overrides;
      },
    };
  }

  /** Keeps only these members (after a reload): the rest left the config. */
  retain(keep: Iterable<Member>): void {
    const live = new Set(keep);
    let dropped = false;
    for (const [k, m] of this.#members) {
      if (live.has(m)) continue;
      this.#members.delete(k);
      // An override holds while its member exists: one added back later starts from routes.json.
      const ov = this.#overrides[m.poolName]?.[m.url.href];
      if (!ov) continue;
      delete this.#overrides[m.poolName]![m.url.href];
      if (ov.state === undefined && ov.weight === undefined) continue;
      this.#event("info", `pool=${m.poolName} member=${m.url.href} left routes.json: its runtime override is dropped`);
      dropped = true;
    }
    // Saved overrides of members that left routes.json while the proxy was stopped (at start,
    // nothing else prunes them): a member added back later must not come back overridden.
    // Only this config's pools: another routes file may share the state file (its own pools).
    const liveKeys = new Set([...live].map((m) => `${m.poolName} ${m.url.href}`));
    const livePools = new Set([...live].map((m) => m.poolName));
    for (const [pool, byUrl] of Object.entries(this.#overrides)) {
      if (!livePools.has(pool)) continue;
      for (const url of Object.keys(byUrl ?? {})) {
        if (liveKeys.has(`${pool} ${url}`)) continue;
        delete byUrl![url];
        this.#event("info", `pool=${pool} member=${url} is not in routes.json: its saved runtime override is dropped`);
        dropped = true;
      }
    }
    if (dropped) this.#save();
  }

  pool(name: string): PoolStats {
    let p = this.#pools.get(name);
    if (!p) this.#pools.set(name, (p = { retries: 0 }));
    return p;
  }

  route(label: string, buckets?: readonly number[]): RouteStats {
    let r = this.#routes.get(label);
    if (!r) this.#routes.set(label, (r = { requests: 0, bytesIn: 0, bytesOut: 0, latency: new Histogram(buckets), codes: new Map() }));
    return r;
  }

  /** A runtime change by `who` (a token's sub): effective at once, persisted, one log line per field. */
  change(pool: string, m: Member, change: MemberChange, who: string): void {
    const ov = this.#entry(pool, m, true)!;
    if (change.state !== undefined) {
      this.#log(who, pool, m, "state", m.state, change.state);
      ov.state = change.state === m.configState ? undefined : { value: change.state, config: m.configState };
    }
    if (change.weight !== undefined) {
      this.#log(who, pool, m, "weight", m.weight, change.weight);
      ov.weight = change.weight === m.configWeight ? undefined : { value: change.weight, config: m.configWeight };
    }
    this.#apply(pool, m);
    this.#save();
  }

  /** Drops the member's overrides: back to routes.json. */
  reset(pool: string, m: Member, who: string): void {
    if (m.state !== m.configState) this.#log(who, pool, m, "state", m.state, m.configState);
    if (m.weight !== m.configWeight) this.#log(who, pool, m, "weight", m.weight, m.configWeight);
    delete this.#overrides[pool]?.[m.url.href];
    this.#apply(pool, m);
    this.#save();
  }

  overridden(pool: string, m: Member): boolean {
    const ov = this.#entry(pool, m, false);
    return ov?.state !== undefined || ov?.weight !== undefined;
  }

  #apply(pool: string, m: Member): void {
    const ov = this.#entry(pool, m, false);
    m.state = this.#pick(pool, m, ov, "state", m.configState) as MemberState;
    m.weight = this.#pick(pool, m, ov, "weight", m.configWeight) as number;
    if (ov && ov.state === undefined && ov.weight === undefined) delete this.#overrides[pool]![m.url.href];
  }

  #pick(pool: string, m: Member, ov: MemberOverride | undefined, field: keyof MemberOverride, config: MemberState | number): MemberState | number {
    const o = ov?.[field];
    if (!o) return config;
    if (o.config === config) return o.value;
    this.#event("warn", `pool=${pool} member=${m.url.href} routes.json changed ${field} from ${o.config} to ${config}: the runtime override ${field}=${o.value} is dropped`);
    ov![field] = undefined;
    this.#save();
    return config;
  }

  #entry(pool: string, m: Member, create: boolean): MemberOverride | undefined {
    const byUrl = this.#overrides[pool] ?? (create ? (this.#overrides[pool] = {}) : undefined);
    if (!byUrl) return undefined;
    return byUrl[m.url.href] ?? (create ? (byUrl[m.url.href] = {}) : undefined);
  }

  #log(who: string, pool: string, m: Member, field: string, from: unknown, to: unknown): void {
    this.#events("info", `admin: ${who} set pool=${pool} member=${m.url.href} ${field} ${from} -> ${to}`);
  }

  #event(level: Parameters<EventLog>[0], msg: string): void {
    if (this.#held) this.#held.events.push([level, msg]);
    else this.#events(level, msg);
  }

  #save(): void {
    if (this.#held) return void (this.#held.save = true);
    const clean: OverrideMap = {};
    for (const [pool, byUrl] of Object.entries(this.#overrides)) {
      for (const [url, ov] of Object.entries(byUrl)) {
        if (ov.state === undefined && ov.weight === undefined) continue;
        (clean[pool] ??= {})[url] = ov;
      }
    }
    try {
      this.#store.save(clean);
    } catch (e) {
      this.#events("error", `cannot save runtime state: ${(e as Error).message}; the change holds until restart`);
    }
  }
}

/**
 * The routes.json being built by an import: listeners, pools and routes as plain JSON, plus
 * the small conversions both converters share (durations, sizes, names, paths).
 */
import { isAbsolute, relative, resolve } from "node:path";
import type { Node, Report } from "./report.ts";
import { RouteTable, type Served } from "./route-table.ts";
import { parseCidr } from "../net/cidr.ts";

export type Json = Record<string, unknown>;

export class Draft {
  readonly listeners: Json[] = [];
  readonly pools = new Map<string, Json>();
  /** The directive each pool was first made for, to name it when a variant is made. */
  readonly poolAt = new Map<string, Node>();
  private readonly table: RouteTable;
  get routes(): Json[] {
    return this.table.routes;
  }
  accessLog?: Json;
  admin?: Json;
  /** From set_real_ip_from / RemoteIPTrustedProxy: one list for the whole proxy. */
  readonly trustedProxies: string[] = [];
  /** clientTimeouts is one for the whole proxy: the first value set for a field wins. */
  readonly clientTimeouts: Json = {};
  private readonly clientTimeoutAt = new Map<string, Node>();

  readonly report: Report;
  private readonly outDir: string;
  constructor(report: Report, outDir: string) {
    this.report = report;
    this.outDir = outDir;
    this.table = new RouteTable(report);
  }

  listener(port: number, host?: string): Json {
    let l = this.listeners.find((x) => x.port === port);
    if (!l) {
      l = host && host !== "*" && host !== "0.0.0.0" ? { port, host } : { port };
      this.listeners.push(l);
    }
    return l;
  }

  /** A route from a site on these listener ports (undefined: every listener); see RouteTable. */
  addRoute(route: Json, from: Node, ports?: number[]): void {
    this.table.add(route, from, ports);
  }

  /** The routes already added for this host and path on any of these ports. */
  servedOn(host: string | undefined, path: string, ports?: number[]): Served[] {
    return this.table.servedOn(host, path, ports);
  }

  /** Sets clientTimeouts[field] from a directive; a second, different value is reported. */
  clientTimeout(field: "header" | "body" | "keepAlive", ms: number, from: Node): void {
    const first = this.clientTimeoutAt.get(field);
    if (!first) {
      this.clientTimeoutAt.set(field, from);
      this.clientTimeouts[field] = duration(ms);
    } else if (this.clientTimeouts[field] !== duration(ms)) {
      this.report.skip(from, `clientTimeouts.${field} is one for the whole proxy; kept ${this.clientTimeouts[field]} from ${first.loc.file}:${first.loc.line}`);
    }
  }

  /** Fields no directive set get the source server's default, so its behaviour carries over. */
  clientTimeoutDefaults(defaults: Record<"header" | "body" | "keepAlive", number>): void {
    for (const [k, ms] of Object.entries(defaults)) this.clientTimeouts[k] ??= duration(ms);
  }

  /** A file path from the source config, expressed relative to where routes.json is written. */
  file(p: string, baseDir: string): string {
    if (isAbsolute(p)) return p;
    const rel = relative(this.outDir, resolve(baseDir, p));
    return rel.startsWith("..") || rel === "" ? resolve(baseDir, p) : rel;
  }

  /**
   * Addresses whose X-Forwarded-* the proxy keeps (NGINX set_real_ip_from, httpd
   * RemoteIPTrustedProxy); what is no IP or CIDR (a host name, unix:) is reported.
   */
  trust(n: Node, values: string[]): void {
    for (const v of values) {
      if (!parseCidr(v)) this.report.skip(n, `${v}: trustedProxies takes IP addresses and CIDRs only`);
      else if (!this.trustedProxies.includes(v)) this.trustedProxies.push(v);
    }
    this.report.note(n, "became trustedProxies, one list for the whole proxy: their X-Forwarded-For, -Proto, -Host and -Port are kept, everyone else's replaced");
  }

  /** True when something a client can reach came out of the import. */
  converted(): boolean {
    return this.listeners.length > 0 && (this.routes.length > 0 || this.listeners.some((l) => l.redirectHttps));
  }

  toJson(): Json {
    const used = new Set(this.routes.map((r) => r.pool));
    const pools: Json = {};
    for (const [name, pool] of this.pools) if (used.has(name)) pools[name] = pool;
    // A redirect-only import still needs a route: routes.json requires one (the redirect
    // listener answers before routing, so it is never used there).
    const routing = this.listeners.filter((l) => !l.redirectHttps).map((l) => Number(l.port));
    const routes = this.routes.length ? this.table.json(routing) : [{ path: "/", respond: { status: 404 } }];
    const out: Json = { listeners: this.listeners, pools, routes };
    if (Object.keys(this.clientTimeouts).length) out.clientTimeouts = this.clientTimeouts;
    if (this.accessLog) out.accessLog = this.accessLog;
    if (this.admin) out.admin = this.admin;
    if (this.trustedProxies.length) out.trustedProxies = this.trustedProxies;
    return out;
  }
}

/** A pool name routes.json accepts, from an upstream or balancer name or host and port. */
export function poolName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "") || "pool";
}

/** Seconds (Apache) or milliseconds as a routes.json duration. */
export function duration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A route path as routes.json matches it: whole segments, so a trailing slash is dropped. */
export function routePath(p: string): string {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, "") : p;
  return trimmed === "" ? "/" : trimmed;
}

/** http(s)://host[:port][/path] split; undefined when it is not one. */
export function splitUrl(s: string): { scheme: "http" | "https"; host: string; port: number; path: string } | undefined {
  const m = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[^/:?#]+)(?::(\d+))?(\/[^?#]*)?$/i.exec(s);
  if (!m || Number(m[3] ?? 0) > 65535) return undefined;
  const scheme = m[1]!.toLowerCase() as "http" | "https";
  return { scheme, host: m[2]!, port: m[3] ? Number(m[3]) : scheme === "https" ? 443 : 80, path: m[4] ?? "" };
}

export function origin(u: { scheme: string; host: string; port: number }): string {
  return `${u.scheme}://${u.host}:${u.port}`;
}

/** A host name or address a member URL can carry (not a placeholder like `{node-ip-address}`). */
export function validHost(h: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(h) || /^\[[0-9A-Fa-f:.]+\]$/.test(h);
}

/**
 * Adds a pool member, or folds one whose URL is already listed into it: routes.json lists a
 * member once, and NGINX (like httpd) gives a server listed twice two shares, so the weights add.
 */
export function addMember(members: Json[], at: Node[], m: Json, node: Node, report: Report): void {
  const href = (u: unknown) => (typeof u === "string" && URL.canParse(u) ? new URL(u).href : u);
  const i = members.findIndex((x) => href(x.url) === href(m.url));
  if (i < 0) return void (members.push(m), at.push(node));
  const first = members[i]!;
  const weight = Math.min(100, ((first.weight as number | undefined) ?? 1) + ((m.weight as number | undefined) ?? 1));
  first.weight = weight;
  const lost = Object.keys(m).filter((k) => k !== "url" && k !== "weight" && JSON.stringify(m[k]) !== JSON.stringify(first[k]));
  report.note(node, `the same member as line ${at[i]!.loc.line}: listed once with the weights added (weight ${weight})${lost.length ? `; its ${lost.join(", ")} ${lost.length === 1 ? "is" : "are"} left out (the first entry's kept)` : ""}`);
}

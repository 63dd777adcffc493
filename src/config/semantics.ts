/**
 * Checks that span fields (references, exclusivity, duplicates): the schema sees one value at
 * a time. They read the raw JSON defensively, so they run even when the schema found errors
 * elsewhere and the operator gets every problem in one pass.
 */
import type { ConfigIssue } from "./errors.ts";
import { jsonPath } from "./errors.ts";
import { parseCidr } from "../net/cidr.ts";
import { authIssues } from "./auth-schema.ts";
import { isLoopback, parseHostPort } from "../net/host-port.ts";
import { routeLabel } from "./route-label.ts";
import { RouteShadows } from "./route-shadows.ts";

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

const RESERVED = new Set(["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf"]);

const routeName = (r: unknown): string => (isObj(r) ? routeLabel(r) : "?");

/** A route's listener ports: undefined for every listener. */
const portsOf = (r: Obj): number[] | undefined => (Array.isArray(r.ports) && r.ports.length > 0 ? r.ports.filter((p): p is number => typeof p === "number") : undefined);

export function semanticIssues(raw: unknown): ConfigIssue[] {
  if (!isObj(raw)) return [];
  const out: ConfigIssue[] = [];
  const at = (keys: (string | number)[], message: string) => out.push({ path: jsonPath(keys), message });
  const seen = new Map<string, number>();
  list(raw.listeners).forEach((l, i) => {
    if (!isObj(l)) return;
    const key = `${typeof l.host === "string" ? l.host : "0.0.0.0"}:${String(l.port)}`;
    const first = seen.get(key);
    if (first !== undefined && l.port !== 0) at(["listeners", i, "port"], `${key} is already used by listeners[${first}]`);
    seen.set(key, i);
    if (l.tls !== undefined && l.redirectHttps !== undefined) at(["listeners", i, "redirectHttps"], "a TLS listener cannot also redirect to HTTPS; remove one of tls and redirectHttps");
    const tls = l.tls;
    list(isObj(tls) ? tls.certificates : undefined).forEach((cert, j) => {
      if (!isObj(cert)) return;
      const given = ["passphrase", "passphraseFile", "passphraseCommand"].filter((k) => cert[k] !== undefined);
      if (given.length > 1) at(["listeners", i, "tls", "certificates", j], `give at most one of ${given.join(", ")}`);
    });
  });
  const pools = isObj(raw.pools) ? raw.pools : {};
  for (const [name, pool] of Object.entries(pools)) {
    // JSON.parse keeps "__proto__" as an own key, but any object lookup by that name reaches
    // Object.prototype instead: such a pool could never be found again.
    if (RESERVED.has(name)) at(["pools", name], `${JSON.stringify(name)} is reserved in JavaScript objects; choose another pool name`);
    if (!isObj(pool)) continue;
    if (Array.isArray(pool.members) && pool.members.length === 0) at(["pools", name, "members"], "a pool needs at least one member: add { \"url\": \"http://host:port\" }");
    const members = list(pool.members).filter(isObj);
    const routes = new Map<unknown, number>();
    const urls = new Map<string, number>();
    list(pool.members).forEach((m, i) => {
      if (!isObj(m)) return;
      // A member is its pool and URL (state outlives config): two entries for one URL would be
      // one member with two routes and twice its weight, and two series of the same metric.
      const href = typeof m.url === "string" && URL.canParse(m.url) ? new URL(m.url).href : undefined;
      const same = href === undefined ? undefined : urls.get(href);
      if (same !== undefined) at(["pools", name, "members", i, "url"], `${JSON.stringify(m.url)} is the same member as members[${same}]; list a member once (give it a weight to send it more)`);
      else if (href !== undefined) urls.set(href, i);
      if (typeof m.route !== "string") return;
      const dup = routes.get(m.route);
      if (dup !== undefined) at(["pools", name, "members", i, "route"], `route ${JSON.stringify(m.route)} is already used by members[${dup}]; sticky routes must be unique in a pool`);
      routes.set(m.route, i);
    });
    if (members.length > 0 && members.every((m) => m.standby === true)) at(["pools", name, "members"], "every member is a standby; at least one must be a primary");
    const active = isObj(pool.health) && isObj(pool.health.active) ? pool.health.active : undefined;
    const range = typeof active?.expectStatus === "string" ? active.expectStatus.split("-").map(Number) : [];
    if (range.length === 2 && range[0]! > range[1]!) at(["pools", name, "health", "active", "expectStatus"], "the range's first status is larger than its last");
  }
  const labels = new Map<string, number>();
  const routing = list(raw.listeners).filter((l): l is Obj => isObj(l) && l.redirectHttps === undefined);
  const routingPorts = [...new Set(routing.flatMap((l) => (typeof l.port === "number" ? [l.port] : [])))];
  const redirecting = new Set(list(raw.listeners).flatMap((l) => (isObj(l) && l.redirectHttps !== undefined && typeof l.port === "number" ? [l.port] : [])));
  const shadows = new RouteShadows(routingPorts.includes(0) ? undefined : routingPorts, (j) => routeName(list(raw.routes)[j]));
  const named = routingPorts.filter((p) => p !== 0);
  list(raw.routes).forEach((r, i) => {
    if (!isObj(r)) return;
    const ports = portsOf(r);
    ports?.forEach((p, j) => {
      if (!Number.isInteger(p) || p < 1 || p > 65535 || routingPorts.includes(p)) return; // the schema reports what is no port
      at(["routes", i, "ports", j], redirecting.has(p) && !routingPorts.includes(p)
        ? `port ${p} is a redirectHttps listener's, which answers every request itself; name a listener that routes (${named.join(", ") || "none"})`
        : `no listener has port ${p} (listeners that route: ${named.join(", ") || "none"}); a route's ports name listeners' ports`);
    });
    const shadowed = shadows.add(i, typeof r.host === "string" ? r.host : undefined, typeof r.path === "string" ? r.path : "/", ports);
    if (shadowed) at(["routes", i], shadowed);
    else {
      // The name labels the route's access lines, metrics and admin entry: two routes under one
      // name would share (and print twice) one set of counters.
      const label = routeName(r);
      const other = labels.get(label);
      if (other !== undefined) at(["routes", i, ...(typeof r.name === "string" ? ["name"] : [])], `${JSON.stringify(label)} already names routes[${other}]; route names must be unique (they label logs and metrics)`);
      else labels.set(label, i);
    }
    const actions = ["pool", "respond", "redirect"].filter((k) => r[k] !== undefined);
    if (actions.length !== 1) at(["routes", i], `give exactly one of pool, respond, redirect (got ${actions.length ? actions.join(", ") : "none"})`);
    if (typeof r.pool === "string" && !(r.pool in pools)) {
      const known = Object.keys(pools);
      at(["routes", i, "pool"], `no pool named ${JSON.stringify(r.pool)} (pools: ${known.join(", ") || "none"})`);
    }
    authIssues(r.auth, (keys, message) => at(["routes", i, "auth", ...keys], message));
  });
  for (const u of shadows.uncovered()) at(["routes", u.index], u.message);
  if (isObj(raw.admin)) adminIssues(raw.admin, list(raw.listeners), at);
  list(raw.trustedProxies).forEach((t, i) => {
    if (typeof t === "string" && !parseCidr(t)) at(["trustedProxies", i], `${JSON.stringify(t)} is not an IP address or CIDR such as "10.0.0.0/8"`);
  });
  return out;
}

/** The admin API changes live state: secure by default, open only on loopback. */
const ANY = new Set(["0.0.0.0", "::", "[::]"]);

function adminIssues(admin: Obj, listeners: unknown[], at: (keys: (string | number)[], message: string) => void): void {
  const listen = typeof admin.listen === "string" ? parseHostPort(admin.listen) : { host: "127.0.0.1", port: 9090 };
  if (listen && !isLoopback(listen.host) && admin.auth === undefined) at(["admin", "auth"], "required when admin.listen is not a loopback address");
  // Found now rather than at start, where the data listener binds first and the admin then fails.
  listeners.forEach((l, i) => {
    if (!listen || listen.port === 0 || !isObj(l) || l.port !== listen.port) return;
    const host = typeof l.host === "string" ? l.host : "0.0.0.0";
    if (host === listen.host || ANY.has(host) || ANY.has(listen.host)) at(["admin", "listen"], `port ${listen.port} is listeners[${i}]'s (${host}:${l.port}); the admin needs a port of its own`);
  });
  if (isObj(admin.auth)) {
    const given = ["secretFile", "jwksFile", "jwksUrl"].filter((k) => admin.auth && (admin.auth as Obj)[k] !== undefined);
    if (given.length !== 1) at(["admin", "auth"], `give exactly one of secretFile, jwksFile, jwksUrl (got ${given.length ? given.join(", ") : "none"})`);
  }
}

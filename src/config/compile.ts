/**
 * Parse, then compile: a validated Config becomes the runtime objects once, here. Regexes,
 * header templates, prefix maps and balancing methods are built now, so the request path
 * only reads finished objects.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { collecting, ConfigError, type ConfigIssue } from "./errors.ts";
import { createMethod } from "../balancer/method.ts";
import { defaultRoute, type Member } from "../balancer/member.ts";
import { Registry } from "../state/registry.ts";
import { Pool } from "../balancer/pool.ts";
import { ipMatcher } from "../net/cidr.ts";
import { Router } from "../proxy/router.ts";
import { routeLabel } from "./route-label.ts";
import { compileHeaderRules, lintHeaderRules } from "../rewrite/header-rules.ts";
import { compileReverse, SiblingTable } from "../rewrite/reverse.ts";
import type { Config, PoolConfig, RouteConfig } from "./schema.ts";
import type { RouteAction, Runtime, RuntimePool, RuntimeRoute, Timeouts } from "./runtime.ts";
import { Dialer } from "../upstream/dial.ts";
import { readClientIdentity, readUpstreamCa, type FileAccess, type UpstreamTlsFiles } from "../tls/upstream-files.ts";
import { compileJwt } from "../auth/compile-jwt.ts";
import { JwksUrl } from "../auth/jwks-url.ts";
import type { KeySource, RouteAuth } from "../auth/route-auth.ts";


export const DEFAULT_TIMEOUTS: Timeouts = { connect: 5_000, response: 60_000, idle: 60_000 };

export interface CompileOptions {
  file: string;
  /** Reads a file routes.json names, as bytes (an HMAC secret is bytes, not text). */
  readFile?: (path: string) => Uint8Array;
  /** The clock JWT checks read (exp, nbf, the JWKS refetch limit); tests inject one. */
  now?: () => number;
  /** Where members live across reloads; a fresh one (nothing persisted) by default. */
  registry?: Registry;
  /** The running configuration: members that stay keep its dialers (TLS session). */
  previous?: Runtime;
}

export function compile(config: Config, opts: CompileOptions): Runtime {
  const warnings: string[] = [];
  const pools = new Map<string, RuntimePool>();
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p));
  const baseDir = dirname(opts.file);
  const registry = opts.registry ?? new Registry();
  const buckets = config.admin?.metrics?.buckets;
  // Files that fail are collected, not thrown at the first: every one is named at once.
  const fileIssues: ConfigIssue[] = [];
  const collect = collecting(fileIssues);
  for (const [name, pc] of Object.entries(config.pools)) {
    const at = `pools.${name}.tls`;
    const io: FileAccess = {
      read: (file) => readFile(resolve(baseDir, file)),
      fail: (field, message) => new ConfigError(opts.file, [{ path: `${at}.${field}`, message }]),
      warn: (m) => warnings.push(m),
      now: opts.now?.() ?? Date.now(),
    };
    const files: UpstreamTlsFiles = pc.tls ? { ...collect(() => readUpstreamCa(at, pc.tls!, io)), ...collect(() => readClientIdentity(at, pc.tls!, io)) } : {};
    pools.set(name, compilePool(name, pc, warnings, registry, buckets, opts.previous, files));
  }
  // Key sets outlive config (as members do): a reload that keeps a jwksUrl keeps its fetched keys,
  // so a key server that is down at that moment does not turn every valid token into a 401.
  const running = new Map<string, KeySource>();
  for (const r of opts.previous?.router.routes() ?? []) if (r.auth?.keys instanceof JwksUrl) running.set(r.auth.keys.url, r.auth.keys);
  const kept = new Set<KeySource>();
  const auth = (rc: RouteConfig, i: number) => rc.auth && collect(() => compileJwt(rc.auth!.jwt, {
    baseDir, readFile, now: opts.now,
    keptJwks: (url) => {
      const k = running.get(url);
      if (k) kept.add(k);
      return k;
    },
    fail: (field, message) => { throw new ConfigError(opts.file, [{ path: `routes[${i}].auth.jwt.${field}`, message }]); },
  }));
  // One table for the whole config; its entries keep their routes' ports, and a response is
  // mapped only through those its listener serves (not another port's <VirtualHost>).
  let siblings: SiblingTable | undefined;
  const vhost = () => (siblings ??= new SiblingTable(reverseSiblings(config.routes, pools)));
  const routes = config.routes.map((rc, i) => compileRoute(rc, i, pools, warnings, registry, buckets, auth, vhost));
  const router = new Router(routes);
  const byPort = new Map<number, Router<RuntimeRoute>>();
  const rt: Runtime = {
    registry,
    config,
    baseDir,
    listeners: config.listeners,
    router,
    routerFor(port) {
      if (!routes.some((r) => r.ports)) return router;
      let r = byPort.get(port);
      if (r) return r;
      // A route with ports wins a tie (same host and path) over one without, whatever their order,
      // as httpd's <VirtualHost *:8443> wins over <VirtualHost *>: it goes first into the stable sort.
      const served = routes.filter((x) => !x.ports || x.ports.has(port));
      byPort.set(port, (r = new Router([...served.filter((x) => x.ports), ...served.filter((x) => !x.ports)])));
      return r;
    },
    pools,
    isTrustedProxy: ipMatcher(config.trustedProxies),
    // Bun's idle timeout is whole seconds, 8..960 (it pings idle sockets, as NGINX's
    // proxy_read_timeout would close them); the default matches Bun's 120 s.
    shutdownTimeoutMs: config.shutdownTimeout ?? 10_000,
    clientTimeouts: {
      header: config.clientTimeouts?.header ?? 60_000,
      body: config.clientTimeouts?.body ?? 60_000,
      keepAlive: config.clientTimeouts?.keepAlive ?? 75_000,
    },
    websocket: {
      idleTimeoutSec: Math.min(960, Math.max(8, Math.round((config.websocket?.idleTimeout ?? 120_000) / 1000))),
      maxMessageSize: config.websocket?.maxMessageSize ?? 16 * 1024 * 1024,
    },
    warnings,
    // Closes what this compile made; key sets kept from the running config stay with it.
    close() {
      for (const r of routes) if (r.auth && !kept.has(r.auth.keys)) r.auth.keys.close();
    },
  };
  if (fileIssues.length) {
    rt.close();
    throw new ConfigError(opts.file, fileIssues, rt);
  }
  return rt;
}

function compilePool(name: string, pc: PoolConfig, warnings: string[], registry: Registry, buckets: readonly number[] | undefined, previous: Runtime | undefined, files: UpstreamTlsFiles): RuntimePool {
  // Bun's tls options want PEM text; routes.json names files relative to itself. The texts are
  // part of the settings compared below, so a reload after a file changed makes new dialers.
  const upstreamTls = pc.tls ? { rejectUnauthorized: pc.tls.verify, serverName: pc.tls.serverName, ...files } : undefined;
  const members = pc.members.map((m) => registry.member(name, { url: m.url, weight: m.weight, route: m.route ?? defaultRoute(m.url), routeExplicit: m.route !== undefined, standby: m.standby, state: m.state, buckets }));
  const dialers = new Map<Member, Dialer>();
  const before = previous?.pools.get(name);
  const sameTls = before !== undefined && JSON.stringify(before.upstreamTls) === JSON.stringify(upstreamTls);
  for (const m of members) {
    // A member that stays, with the same TLS settings, keeps its connections across a reload.
    const keptDialer = sameTls ? before.dialers.get(m) : undefined;
    if (keptDialer) {
      dialers.set(m, keptDialer);
      continue;
    }
    // http:// and https:// members on the same client; only the dialer knows TLS.
    const dialer = new Dialer(m.url, upstreamTls && { verify: upstreamTls.rejectUnauthorized, ca: upstreamTls.ca, serverName: upstreamTls.serverName, cert: upstreamTls.cert, key: upstreamTls.key });
    dialers.set(m, dialer);
  }
  if (pc.tls && pc.tls.verify === false) warnings.push(`pools.${name}.tls.verify is false: upstream certificates are not checked (like Apache SSLProxyVerify none)`);
  return {
    name,
    pool: new Pool(name, members, createMethod(pc.method)),
    stats: registry.pool(name),
    dialers,
    upstreamTls,
    retries: pc.retries,
    timeouts: { ...DEFAULT_TIMEOUTS, ...pc.timeouts },
    failOnStatus: new Set(pc.health?.passive?.failOnStatus ?? []),
  };
}

/** Every route's reverse mappings: ProxyPassReverse applies vhost-wide in Apache. */
function reverseSiblings(all: readonly RouteConfig[], pools: Map<string, RuntimePool>) {
  return all.filter((o) => o.reverse && o.pool !== undefined && pools.has(o.pool)).flatMap((o) => {
    const up = o.rewritePrefix ?? o.path;
    const members = pools.get(o.pool!)!.pool.members;
    return [...members.map((m) => joinPath(m.url.origin + m.url.pathname, up)), ...o.reverseAlso].map((upstreamPrefix) => ({ upstreamPrefix, routePrefix: o.path, host: o.host, ports: o.ports }));
  });
}

function compileRoute(rc: RouteConfig, index: number, pools: Map<string, RuntimePool>, warnings: string[], registry: Registry, buckets: readonly number[] | undefined, auth: (rc: RouteConfig, i: number) => RouteAuth | undefined, vhost: () => SiblingTable): RuntimeRoute {
  const where = `routes[${index}]`;
  const pool = rc.pool !== undefined ? pools.get(rc.pool) : undefined;
  const action: RouteAction = pool
    ? { kind: "pool", pool }
    : rc.respond
      ? { kind: "respond", status: rc.respond.status, body: rc.respond.body ?? "", bodyBytes: Buffer.byteLength(rc.respond.body ?? ""), headers: rc.respond.headers ?? {} }
      : { kind: "redirect", to: rc.redirect!.to, status: rc.redirect!.status, keepPath: rc.redirect!.keepPath };
  if (rc.responseHeaders) warnings.push(...lintHeaderRules(rc.responseHeaders, `${where}.responseHeaders`));
  const upstreamPath = rc.rewritePrefix ?? rc.path;
  const timeouts = { ...(pool?.timeouts ?? DEFAULT_TIMEOUTS), ...rc.timeouts };
  const label = routeLabel(rc);
  return {
    index,
    label,
    auth: auth(rc, index),
    stats: registry.route(label, buckets),
    host: rc.host,
    path: rc.path,
    action,
    rewritePrefix: rc.rewritePrefix,
    preserveHost: rc.preserveHost,
    denyMethods: new Set(rc.denyMethods),
    maxBodySize: rc.maxBodySize,
    timeouts,
    requestRules: rc.requestHeaders ? compileHeaderRules(rc.requestHeaders, `${where}.requestHeaders`, "request") : undefined,
    responseRules: rc.responseHeaders ? compileHeaderRules(rc.responseHeaders, `${where}.responseHeaders`) : undefined,
    allowEncodedSlashes: rc.allowEncodedSlashes,
    ports: rc.ports && new Set(rc.ports),
    reverse: pool && rc.reverse
      ? compileReverse({
          upstreamPrefixes: [...pool.pool.members.map((m) => joinPath(m.url.origin + m.url.pathname, upstreamPath)), ...rc.reverseAlso],
          routePrefix: rc.path,
          upstreamPathPrefix: joinPath(pool.pool.members[0]!.url.pathname, upstreamPath),
          memberHosts: pool.pool.members.map((m) => m.url.hostname),
          siblings: vhost(),
        })
      : undefined,
  };
}

/** Joins URL path pieces without doubling or losing the slash between them. */
export function joinPath(a: string, b: string): string {
  if (a.endsWith("/")) a = a.slice(0, -1);
  if (b === "/" || b === "") return a || "/";
  return a + (b.startsWith("/") ? b : "/" + b);
}

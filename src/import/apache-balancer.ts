/**
 * `<Proxy balancer://>` + BalancerMember + ProxySet, or a plain ProxyPass worker URL, as a
 * routes.json pool. httpd's defaults become explicit values: every member is tried before a
 * 502 (maxattempts defaults to members - 1), a failed member rests 60 s (retry=60), and the
 * socket timeout is 60 s (Timeout, for connect and every read).
 */
import { dirname } from "node:path";
import { addMember, Draft, duration, origin, poolName, splitUrl, validHost, type Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";
import type { ApacheModel, Balancer, Pass, ProxySsl, Server } from "./apache-model.ts";
import { backendTimeout, workerTimeouts } from "./apache-timeouts.ts";
import { balancerParams } from "./apache-balancer-params.ts";

const METHODS = new Set(["byrequests", "bytraffic", "bybusyness"]);
const MEMBER_KEYS = new Set(["route", "loadfactor", "status", "timeout", "connectiontimeout", "retry"]);

export interface PoolUse { model: ApacheModel; draft: Draft; report: Report; server: Server; main: Server }

/** The pool a ProxyPass target names, made on first use; undefined when it cannot be. */
export function poolFor(pass: Pass, target: { kind: "balancer"; b: Balancer } | { kind: "url"; url: string }, use: PoolUse): string | undefined {
  if (target.kind === "balancer") {
    const b = target.b;
    if (!b.pool) {
      const pool = balancerPool(b, use);
      if (!pool) return undefined;
      b.pool = uniqueName(poolName(b.name), use);
      b.sslKey = sslKey(use, b.proxySsl);
      use.draft.pools.set(b.pool, pool);
      if (b.pool !== poolName(b.name)) use.report.note(b.node, `pool ${b.pool}: httpd keeps a balancer://${b.name} per VirtualHost, and another one is pool ${poolName(b.name)}`);
    }
    // httpd applies each VirtualHost's SSLProxy* to a shared main-server balancer; one pool cannot.
    if (use.draft.pools.get(b.pool)?.tls && b.sslKey !== sslKey(use, b.proxySsl)) use.report.note(pass.node, `balancer://${b.name} is also used by a VirtualHost whose SSLProxy* settings differ; pool ${b.pool} has the first one's: give this route a pool of its own`);
    return b.pool;
  }
  const u = splitUrl(target.url)!;
  const name = poolName(`${u.host}-${u.port}`);
  if (!use.draft.pools.has(name)) {
    const members = [{ url: origin(u) }];
    use.draft.pools.set(name, finish({ members }, [pass.params], [pass.node], use));
  }
  return name;
}

/**
 * A second vhost's balancer of the same name gets the vhost's ServerName after it, or its
 * port when another vhost has that ServerName too (the same site on another port), else a count.
 */
function uniqueName(name: string, use: PoolUse): string {
  if (!use.draft.pools.has(name)) return name;
  const s = use.server;
  const site = s.names[0]?.toLowerCase();
  const shared = !!site && use.model.vhosts.some((v) => v !== s && v.names[0]?.toLowerCase() === site);
  const label = shared ? s.ports.join("-") : site;
  const named = label ? poolName(`${name}-${label}`) : undefined;
  if (named && !use.draft.pools.has(named)) return named;
  for (let i = 2; ; i++) if (!use.draft.pools.has(`${name}-${i}`)) return `${name}-${i}`;
}

function balancerPool(b: Balancer, use: PoolUse): Json | undefined {
  const { report } = use;
  const { p, from } = balancerParams(b, use);
  const members: Json[] = [];
  const memberAt: Node[] = [];
  const memberParams: Map<string, string>[] = [];
  for (const m of b.members) {
    const u = splitUrl(m.url);
    if (!u || !validHost(u.host)) { report.skip(m.node, `${JSON.stringify(m.url)} is not an http(s)://host:port URL`); continue; }
    const member: Json = { url: origin(u) + (u.path === "/" ? "" : u.path) };
    for (const [k, v] of m.params) {
      if (k === "route") {
        if (/^[^\s.;,]+$/.test(v)) member.route = v;
        else report.skip(m.node, `route=${v}: a routes.json route has no spaces, dots, commas or semicolons`);
      } else if (k === "loadfactor") member.weight = Math.min(100, Math.max(1, Math.round(Number(v)) || 1));
      else if (k === "status") status(v, member, m.node, report);
      else if (!MEMBER_KEYS.has(k)) report.skip(m.node, `member parameter ${k}=${v} is not converted`);
    }
    const before = members.length;
    addMember(members, memberAt, member, m.node, report);
    if (members.length > before) memberParams.push(m.params);
  }
  if (!members.length) return report.skip(b.node, "the balancer has no usable member"), undefined;
  const pool: Json = { members };
  const method = p.get("lbmethod")?.toLowerCase();
  if (method && METHODS.has(method)) pool.method = method;
  else if (method) report.skip(from.get("lbmethod")!, `lbmethod=${method} has no routes.json equivalent; byrequests is used`);
  const sticky = p.get("stickysession");
  if (sticky) pool.sticky = stickyFor(sticky.split("|")[0]!, p.get("nofailover"), members, b, use);
  return finish(pool, [p, ...uniform(memberParams, b, report)], [b.node], use, b.proxySsl);
}

/** Member-level timeout/retry become the pool's only when every member agrees. */
function uniform(ps: Map<string, string>[], b: Balancer, report: Report): Map<string, string>[] {
  const out = new Map<string, string>();
  for (const k of ["timeout", "connectiontimeout", "retry"]) {
    const vals = ps.map((m) => m.get(k));
    if (vals.every((v) => v === undefined)) continue;
    if (vals.every((v) => v === vals[0])) out.set(k, vals[0]!);
    else report.skip(b.members[vals.findIndex((v) => v !== undefined)]!.node, `${k}= is set on some members only; routes.json ${k === "retry" ? "ejection times" : "timeouts"} are per pool, so the pool keeps httpd's default`);
  }
  return [out];
}

function status(v: string, member: Json, node: Node, report: Report): void {
  for (const m of v.matchAll(/([+-]?)([A-Za-z])/g)) {
    const set = m[1] !== "-";
    const flag = m[2]!.toUpperCase();
    if (!set) continue;
    if (flag === "H") member.standby = true;
    else if (flag === "D" || flag === "S") member.state = "disabled";
    else if (flag === "N") member.state = "drain";
    else report.skip(node, `status +${flag} has no routes.json equivalent`);
  }
}

function stickyFor(cookie: string, nofailover: string | undefined, members: Json[], b: Balancer, use: PoolUse): Json {
  const insert = use.model.sticky.find((s) => s.name === cookie);
  const sticky: Json = insert ? { cookie, mode: "insert", ...insert.attrs } : { cookie, mode: "route-suffix" };
  if (nofailover?.toLowerCase() === "on") sticky.failover = false;
  const bare = members.filter((m) => !m.route);
  if (bare.length) {
    use.report.note(b.node, insert
      ? `${bare.length} member(s) without route=: httpd never sticks to them; routes.json derives a stable route for each, so they do stick`
      : `${bare.length} member(s) without route=: httpd never sticks to them, and neither does routes.json unless the member's jvmRoute matches the derived route`);
  }
  return sticky;
}

/** httpd's defaults, made explicit, then the parameters that override them. */
function finish(pool: Json, ps: Map<string, string>[], nodes: Node[], use: PoolUse, own: ProxySsl = {}): Json {
  const get = (k: string) => ps.map((p) => p.get(k)).filter((v) => v !== undefined).at(-1);
  pool.timeouts = workerTimeouts(get, backendTimeout(use.server) ?? backendTimeout(use.main) ?? 60_000);
  const members = pool.members as Json[];
  const attempts = get("maxattempts");
  const tries = Number(attempts);
  if (attempts !== undefined && !(Number.isInteger(tries) && tries >= 0)) use.report.note(nodes[0]!, `maxattempts=${attempts} is not a count; httpd's default (members - 1) is used`);
  pool.retries = attempts !== undefined && Number.isInteger(tries) && tries >= 0 ? Math.min(100, tries) : Math.max(0, members.length - 1);
  // httpd puts a worker in error on its first failure and retries it after retry= seconds.
  pool.health = { passive: { maxFails: 1, ejectFor: duration(Number(get("retry") ?? 60) * 1000) } };
  if (members.some((m) => String(m.url).startsWith("https:"))) pool.tls = upstreamTls(use, nodes[0]!, own);
  return pool;
}

/** The balancer's own <Proxy> settings first, then the vhost's, then the main server's. */
function picker(use: PoolUse, own: ProxySsl) {
  return <K extends keyof ProxySsl>(k: K): ProxySsl[K] => [own, use.server.proxySsl, use.main.proxySsl].find((t) => t[k] !== undefined)?.[k];
}

/** What a use of a balancer gets from SSLProxy*, to compare two VirtualHosts' uses of one. */
function sslKey(use: PoolUse, own: ProxySsl): string {
  const pick = picker(use, own);
  return JSON.stringify([pick("proxyVerify")?.args[0]?.toLowerCase(), pick("proxyCa"), pick("proxyCert")]);
}

function upstreamTls(use: PoolUse, at: Node, own: ProxySsl): Json {
  const pick = picker(use, own);
  const dir = dirname(at.loc.file);
  const v = pick("proxyVerify");
  const ca = pick("proxyCa");
  let tls: Json;
  if ((v?.args[0] ?? "none").toLowerCase() !== "require") {
    if (!v) use.report.note(at, "httpd's default SSLProxyVerify none does not verify the members' certificates; carried over as tls.verify false (give tls.ca to verify)");
    tls = { verify: false };
  } else {
    const off = pick("checkPeerNameOff");
    if (off) use.report.skip(off, "routes.json checks the member's name whenever it verifies; set tls.serverName to the name in the members' certificates");
    tls = ca ? { verify: true, ca: use.draft.file(ca, dir) } : { verify: true };
  }
  // mod_ssl reads the client certificate and its (unencrypted) key from the one file.
  const cert = pick("proxyCert");
  if (cert) tls.cert = tls.key = use.draft.file(cert, dir);
  return tls;
}

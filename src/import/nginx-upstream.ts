/**
 * NGINX `upstream {}` blocks -> routes.json pools. NGINX's defaults made explicit: every
 * server is tried before an error (proxy_next_upstream error timeout, no try limit), a server
 * fails after max_fails=1 within fail_timeout=10s and rests for fail_timeout, and the proxy_*
 * timeouts are 60 s.
 */
import { addMember, duration, validHost, type Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";

export interface Server { host: string; port?: number; flags: Map<string, string>; node: Node }
export interface Upstream { name: string; node: Node; servers: Server[]; method?: string; sticky?: Json }

/** NGINX time: "60", "500ms", "5m", "1m30s". */
export function nginxMs(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s))) { total += Number(m[1]) * unit[m[2]!]!; end = re.lastIndex; }
  return end === s.length && end > 0 ? total : undefined;
}

export function parseUpstream(node: Node, report: Report): Upstream {
  const up: Upstream = { name: node.args[0] ?? "upstream", node, servers: [] };
  for (const c of node.children ?? []) {
    const a = c.args;
    if (c.name === "server") {
      const addr = a[0] ?? "";
      if (addr.startsWith("unix:")) { report.skip(c, "unix sockets are not supported as members"); continue; }
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(addr);
      if (!m || !validHost(m[1]!) || Number(m[2] ?? 0) > 65535) { report.skip(c, `${JSON.stringify(addr)} is not a host[:port] (a placeholder left in?)`); continue; }
      const flags = new Map(a.slice(1).map((w) => { const i = w.indexOf("="); return i < 0 ? [w, ""] : [w.slice(0, i), w.slice(i + 1)]; }));
      up.servers.push({ host: m[1]!, port: m[2] ? Number(m[2]) : undefined, flags, node: c });
    } else if (c.name === "ip_hash") {
      up.method = "iphash";
      report.note(c, "NGINX hashes the first three octets of an IPv4 address; iphash hashes the whole address (clients of one /24 may reach different members)");
    } else if (c.name === "least_conn") up.method = "bybusyness";
    else if (c.name === "hash" && a[0] === "$remote_addr") up.method = "iphash";
    else if (c.name === "sticky") up.sticky = sticky(c, report);
    else if (c.name === "keepalive" || c.name === "keepalive_timeout" || c.name === "keepalive_requests" || c.name === "zone") continue; // the proxy keeps member connections alive by itself
    else report.skip(c, c.name === "hash" ? "hash on anything but $remote_addr has no routes.json method" : "not converted inside upstream");
  }
  return up;
}

/** NGINX Plus `sticky cookie NAME` is insert mode; `sticky learn` on the JSESSIONID cookie is Tomcat's route suffix. */
function sticky(c: Node, report: Report): Json | undefined {
  const [kind, name, ...rest] = c.args;
  if (kind === "cookie" && name) {
    const out: Json = { cookie: name, mode: "insert" };
    for (const w of rest) {
      if (w === "httponly") out.httpOnly = true;
      else if (w === "secure") out.secure = true;
      else if (w.startsWith("path=")) out.path = w.slice(5);
      else if (w.startsWith("samesite=")) out.sameSite = w[9]!.toUpperCase() + w.slice(10).toLowerCase();
      else report.skip(c, `sticky cookie parameter ${w} is not converted`);
    }
    return out;
  }
  const lookup = c.args.find((w) => w.startsWith("lookup=$cookie_"))?.slice("lookup=$cookie_".length);
  if (kind === "learn" && lookup) {
    const cookie = lookup.toLowerCase() === "jsessionid" ? "JSESSIONID" : lookup;
    report.note(c, `NGINX learns which server issued each ${cookie}; route-suffix reads the member's route after the "." of ${cookie} (Tomcat/WSO2 jvmRoute), so give each member its route (or its jvmRoute the derived one)`);
    return { cookie, mode: "route-suffix" };
  }
  report.skip(c, "only sticky cookie and sticky learn (lookup=$cookie_...) convert");
  return undefined;
}

export interface PoolSettings { verify: boolean; ca?: string; serverName?: string; cert?: string; key?: string; passphraseFile?: string; nextUpstreamOff: boolean; tries?: number; at: Node }

export function upstreamPool(up: Upstream, scheme: "http" | "https", s: PoolSettings, report: Report): Json | undefined {
  const members: Json[] = [];
  const memberAt: Node[] = [];
  const fails = new Set<string>();
  const timeouts = new Set<string>();
  for (const sv of up.servers) {
    const m: Json = { url: `${scheme}://${sv.host}:${sv.port ?? 80}` };
    for (const [k, v] of sv.flags) {
      if (k === "weight") m.weight = Math.min(100, Math.max(1, Number(v) || 1));
      else if (k === "backup") m.standby = true;
      else if (k === "down") m.state = "disabled";
      else if (k === "max_fails") fails.add(v);
      else if (k === "fail_timeout") timeouts.add(v);
      else report.skip(sv.node, `server parameter ${k}${v ? `=${v}` : ""} is not converted`);
    }
    if (Number(sv.flags.get("weight")) > 100) report.note(sv.node, "weight is capped at 100");
    addMember(members, memberAt, m, sv.node, report);
  }
  if (!members.length) return report.skip(up.node, "the upstream has no usable server"), undefined;
  const pool: Json = { members };
  if (up.method) pool.method = up.method;
  if (up.sticky) pool.sticky = up.sticky;
  return finishPool(pool, s, report, up.node, [...fails], [...timeouts]);
}

export function directPool(scheme: string, host: string, port: number, s: PoolSettings, report: Report): Json {
  return finishPool({ members: [{ url: `${scheme}://${host}:${port}` }] }, s, report, s.at, [], []);
}

function finishPool(pool: Json, s: PoolSettings, report: Report, at: Node, fails: string[], timeouts: string[]): Json {
  const members = pool.members as Json[];
  if (fails.length > 1 || timeouts.length > 1) report.skip(at, "max_fails / fail_timeout differ between servers; routes.json ejection is per pool, the first value is used");
  const maxFails = fails.length ? Number(fails[0]) : 1;
  let window = timeouts.length ? nginxMs(timeouts[0]!) ?? 10_000 : 10_000;
  if (window === 0) {
    report.skip(at, "fail_timeout=0 is not converted: routes.json's failure window is more than 0; the default 10s is used");
    window = 10_000;
  }
  if (maxFails === 0) report.skip(at, "max_fails=0 (never mark a server failed) has no routes.json equivalent; the pool ejects after 1 failure");
  pool.health = { passive: { maxFails: Math.max(1, maxFails), window: duration(window), ejectFor: duration(window) } };
  pool.timeouts = { connect: "60s", response: "60s", idle: "60s" };
  // proxy_next_upstream_tries 0 (the default) means no limit: every other server is tried.
  const others = Math.max(0, members.length - 1);
  pool.retries = s.nextUpstreamOff ? 0 : Math.min(100, others, s.tries ? s.tries - 1 : others);
  if (members.some((m) => String(m.url).startsWith("https:"))) {
    if (!s.verify) report.note(s.at, "NGINX's default proxy_ssl_verify off does not verify the members' certificates; carried over as tls.verify false (give tls.ca to verify)");
    const tls: Json = { verify: s.verify };
    if (s.ca) tls.ca = s.ca;
    if (s.serverName) tls.serverName = s.serverName;
    if (s.cert) tls.cert = s.cert;
    if (s.key) tls.key = s.key;
    if (s.key && s.passphraseFile) tls.passphraseFile = s.passphraseFile;
    pool.tls = tls;
  }
  return pool;
}


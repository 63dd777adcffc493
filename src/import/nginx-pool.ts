/**
 * Which routes.json pool a `proxy_pass` uses. An NGINX upstream is one set of servers, but the
 * settings routes.json keeps per pool (tries from proxy_next_upstream / _tries, member TLS from
 * proxy_ssl_*) are per location in NGINX: a location whose settings differ from the first
 * location's gets a pool of its own rather than silently inheriting the first's.
 */
import { Draft, poolName, type Json } from "./emit.ts";
import { Report, type Node } from "./report.ts";
import type { Scope } from "./nginx-scope.ts";
import { directPool, upstreamPool, type PoolSettings, type Upstream } from "./nginx-upstream.ts";

export interface Target { scheme: "http" | "https"; host: string; port: number }

export function poolFor(u: Target, up: Upstream | undefined, scope: Scope, pass: Node, dir: string, draft: Draft, report: Report): string | undefined {
  const settings = poolSettings(scope, pass, dir, draft, report);
  const base = poolName(up ? (u.scheme === "https" && isHttpUsed(draft, up.name) ? `${up.name}-https` : up.name) : `${u.host}-${u.port}`);
  // Built against a scratch report: only the pool that is kept reports (once, at its first location).
  const scratch = new Report();
  const pool = up ? upstreamPool(up, u.scheme, settings, scratch) : directPool(u.scheme, u.host, u.port, settings, scratch);
  let name = base;
  for (let i = 2; draft.pools.has(name); i++) {
    if (JSON.stringify(draft.pools.get(name)) === JSON.stringify(pool)) return name;
    name = `${base}-${i}`;
  }
  for (const e of scratch.entries) report[e.kind === "note" ? "note" : "skip"]({ loc: e.loc, text: e.directive }, e.why);
  if (!pool) return undefined;
  draft.pools.set(name, pool);
  if (name !== base) {
    const first = draft.poolAt.get(base);
    report.note(pass, `pool ${name}: this location's ${differs(draft.pools.get(base)!, pool)} differ from the location at ${first ? `${first.loc.file}:${first.loc.line}` : "another location"}, and routes.json keeps them per pool; its passive health is counted apart from pool ${base}'s (NGINX counts per upstream)`);
  }
  draft.poolAt.set(name, pass);
  return name;
}

/** What two pools of one upstream differ in, in the directives' words. */
function differs(a: Json, b: Json): string {
  const out: string[] = [];
  if (a.retries !== b.retries) out.push("proxy_next_upstream / proxy_next_upstream_tries");
  if (JSON.stringify(a.tls) !== JSON.stringify(b.tls)) out.push("proxy_ssl_* settings");
  return out.join(" and ") || "settings";
}

function isHttpUsed(draft: Draft, name: string): boolean {
  const p = draft.pools.get(name);
  return !!p && String((p.members as Json[])[0]?.url).startsWith("http:");
}

function poolSettings(scope: Scope, at: Node, dir: string, draft: Draft, report: Report): PoolSettings {
  const verify = (scope.get("proxy_ssl_verify")[0]?.args[0] ?? "off") === "on";
  const ca = scope.get("proxy_ssl_trusted_certificate")[0]?.args[0];
  const next = scope.get("proxy_next_upstream")[0];
  if (next) nextUpstream(next, report);
  const tries = scope.get("proxy_next_upstream_tries")[0]?.args[0];
  // The client certificate for members (proxy_ssl_certificate_key defaults to nothing: NGINX needs both).
  const pair = ["proxy_ssl_certificate", "proxy_ssl_certificate_key"].map((d) => scope.get(d)[0]);
  // NGINX 1.21+ takes variables here (a certificate per $host); routes.json names one file, and
  // half a pair is worse than none.
  const variable = pair.filter((n) => n?.args[0]?.includes("$"));
  for (const n of variable) report.skip(n!, "certificates named by variables are not converted; the pair is left out");
  const [cert, key] = variable.length ? [undefined, undefined] : pair.map((n) => n?.args[0]);
  const file = (f: string | undefined) => (f ? draft.file(f, dir) : undefined);
  const pass = scope.get("proxy_ssl_password_file")[0];
  if (pass && key) report.note(pass, "NGINX tries each line of the file; passphraseFile is one passphrase");
  else if (pass && !variable.length) report.skip(pass, "no proxy_ssl_certificate_key here for it to decrypt");
  const passphraseFile = key ? file(pass?.args[0]) : undefined;
  return { verify, ca: file(ca), serverName: scope.get("proxy_ssl_name")[0]?.args[0], cert: file(cert), key: file(key), ...(passphraseFile ? { passphraseFile } : {}), nextUpstreamOff: next?.args[0] === "off", tries: tries ? Number(tries) : undefined, at };
}

/**
 * routes.json `retries` are NGINX's `proxy_next_upstream error timeout invalid_header`: another
 * member is tried when none answered. What else the list names (or leaves out) is reported.
 */
function nextUpstream(n: Node, report: Report): void {
  const words = n.args;
  if (words.includes("off")) return;
  const status = words.filter((w) => /^http_\d{3}$/.test(w));
  if (status.length) report.skip(n, `${status.join(" ")}: routes.json tries another member only when none answered (connection error, timeout, malformed head); a member's own ${status.map((w) => w.slice(5)).join("/")} answer reaches the client`);
  if (words.includes("non_idempotent")) report.skip(n, "non_idempotent: routes.json never resends a POST, PATCH or LOCK that reached a member (NGINX's default without non_idempotent)");
  const missing = ["error", "timeout"].filter((w) => !words.includes(w));
  if (missing.length) report.note(n, `routes.json retries also after ${missing.join(" and ")}, which this list leaves out (give proxy_next_upstream off for no retries)`);
  for (const w of words.filter((x) => !/^(http_\d{3}|non_idempotent|error|timeout|invalid_header)$/.test(x))) report.skip(n, `${w} is not a proxy_next_upstream condition the importer knows`);
}

/**
 * The reload's log line: what changed between two runtimes (routes, pools, members added,
 * removed or edited in routes.json, listeners), so an operator reading the log sees the edit.
 */
import type { Runtime } from "../config/runtime.ts";
import type { Applied } from "../server/listen.ts";

function diffKeys(before: string[], after: string[]): string[] {
  const a = new Set(after), b = new Set(before);
  return [...after.filter((k) => !b.has(k)).map((k) => `+${k}`), ...before.filter((k) => !a.has(k)).map((k) => `-${k}`)];
}

const memberKey = (pool: string, url: string): string => `${pool} ${url}`;

/** A member's routes.json settings, by pool and URL, as a reload compares them. */
function memberSettings(rt: Runtime): Map<string, string> {
  const out = new Map<string, string>();
  for (const [pool, p] of Object.entries(rt.config.pools)) {
    for (const m of p.members) out.set(memberKey(pool, new URL(m.url).href), `weight ${m.weight} state ${m.state}${m.standby ? " standby" : ""}${m.route ? ` route ${m.route}` : ""}`);
  }
  return out;
}

/** "~api http://x/ weight 1 state active -> weight 3 state active": members kept whose settings changed. */
function editedMembers(before: Runtime, after: Runtime): string[] {
  const was = memberSettings(before);
  const edits: string[] = [];
  for (const [key, now] of memberSettings(after)) {
    const then = was.get(key);
    if (then !== undefined && then !== now) edits.push(`~${key} ${then} -> ${now}`);
  }
  return edits;
}

/** "~app sticky health": pools kept whose settings other than members changed in routes.json. */
function editedPools(before: Runtime, after: Runtime): string[] {
  const edits: string[] = [];
  for (const [name, now] of Object.entries(after.config.pools)) {
    const then = before.config.pools[name];
    if (!then) continue;
    const fields = new Set([...Object.keys(then), ...Object.keys(now)]);
    fields.delete("members");
    const changed = [...fields].filter((f) => JSON.stringify(then[f as keyof typeof then]) !== JSON.stringify(now[f as keyof typeof now]));
    // The same tls.ca path whose file now holds other certificates (NGINX re-reads it on reload too).
    const was = before.pools.get(name)?.upstreamTls, is = after.pools.get(name)?.upstreamTls;
    if (!changed.includes("tls") && was?.ca !== is?.ca) changed.push("tls.ca-file");
    if (!changed.includes("tls") && (was?.cert !== is?.cert || was?.key !== is?.key)) changed.push("tls.cert-file");
    if (changed.length) edits.push(`~${name} ${changed.sort().join(" ")}`);
  }
  return edits;
}

/** "routes +2 -0, pools +0 -1, members +1 -1 (api http://...)" for the reload's log line. */
export function describe(before: Runtime, after: Runtime, listeners: Pick<Applied, "added" | "removed"> = { added: [], removed: [] }): string {
  const routes = (rt: Runtime) => [...rt.router.routes()].map((r) => `${r.label}->${r.action.kind === "pool" ? r.action.pool.name : r.action.kind}`);
  const members = (rt: Runtime) => [...rt.pools.values()].flatMap((p) => p.pool.members.map((m) => memberKey(p.name, m.url.href)));
  const part = (name: string, d: string[]) => `${name} ${d.length ? d.join(" ") : "unchanged"}`;
  return [
    part("routes", diffKeys(routes(before), routes(after))),
    part("pools", [...diffKeys([...before.pools.keys()], [...after.pools.keys()]), ...editedPools(before, after)]),
    part("members", [...diffKeys(members(before), members(after)), ...editedMembers(before, after)]),
    part("listeners", [...listeners.added.map((u) => `+${u}`), ...listeners.removed.map((u) => `-${u}`)]),
  ].join("; ");
}

/**
 * `--workers`: one /metrics page from every worker's page (Prometheus text format 0.0.4), as
 * if one process had served all the traffic. Counters and histogram series (buckets, _sum,
 * _count) add; so do the gauges that count things in every worker (in-flight requests, open
 * connections). `edge_proxy_member_up` is the lowest value: a member is up when every worker
 * may send it requests (health checks run per worker). Other gauges (admin state, build info,
 * generation, certificate expiry) are the same in every worker: the first worker's value.
 * Reloads happen to all workers at once, so their counter is the highest, not the sum.
 */

const SUMMED_GAUGES = new Set(["edge_proxy_member_in_flight", "edge_proxy_connections_open"]);
const LOWEST_GAUGES = new Set(["edge_proxy_member_up"]);
/** A SIGHUP reloads every worker: one reload, not one per worker (the highest count, as a restarted worker starts at 0). */
export const SHARED_COUNTERS = new Set(["edge_proxy_config_reloads_total"]);

interface Family { help: string | undefined; type: string; series: Map<string, number> }

/** `pages` in worker order; a series one worker has not seen yet is taken as 0 there. */
export function sumExposition(pages: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { help: undefined, type: "untyped", series: new Map() }));
    return f;
  };
  for (const page of pages) {
    let current: Family | undefined;
    let currentName = "";
    for (const line of page.split("\n")) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        current = family((currentName = meta[2]!));
        if (meta[1] === "HELP") current.help ??= meta[3];
        else current.type = meta[3]!;
        continue;
      }
      if (line === "" || line.startsWith("#")) continue;
      const cut = line.lastIndexOf(" ");
      const key = line.slice(0, cut);
      const value = Number(line.slice(cut + 1));
      const name = key.split("{", 1)[0]!;
      // A sample outside its family's block (not in our pages, but legal): its own family.
      const f = current && name.startsWith(currentName) ? current : family(name);
      const seen = f.series.get(key);
      f.series.set(key, seen === undefined ? value : combine(f.type, name, seen, value));
    }
  }
  const out: string[] = [];
  for (const [name, f] of families) {
    if (f.help !== undefined) out.push(`# HELP ${name} ${f.help}`);
    out.push(`# TYPE ${name} ${f.type}`);
    for (const [key, v] of f.series) out.push(`${key} ${v}`);
  }
  return out.join("\n") + "\n";
}

function combine(type: string, name: string, a: number, b: number): number {
  if (SHARED_COUNTERS.has(name)) return Math.max(a, b);
  if (type === "counter" || type === "histogram" || SUMMED_GAUGES.has(name)) return a + b;
  if (LOWEST_GAUGES.has(name)) return Math.min(a, b);
  return a;
}

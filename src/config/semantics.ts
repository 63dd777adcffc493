/** Checks that span fields (references, exclusivity, duplicates): the schema sees one value at a time. */
import type { Config } from "./schema.ts";
import type { ConfigIssue } from "./errors.ts";
import { parseCidr } from "../net/cidr.ts";

export function semanticIssues(c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  c.listeners.forEach((l, i) => {
    const key = `${l.host}:${l.port}`;
    const first = seen.get(key);
    if (first !== undefined && l.port !== 0) out.push({ path: `listeners[${i}].port`, message: `${key} is already used by listeners[${first}]` });
    seen.set(key, i);
    if (l.tls && l.redirectHttps) out.push({ path: `listeners[${i}].redirectHttps`, message: "a TLS listener cannot also redirect to HTTPS; remove one of tls and redirectHttps" });
    if (Array.isArray(l.tls?.certificates)) {
      l.tls.certificates.forEach((cert, j) => {
        const given = ["passphrase", "passphraseFile", "passphraseCommand"].filter((k) => cert[k as keyof typeof cert] !== undefined);
        if (given.length > 1) out.push({ path: `listeners[${i}].tls.certificates[${j}]`, message: `give at most one of ${given.join(", ")}` });
      });
    }
  });
  for (const [name, pool] of Object.entries(c.pools)) {
    const routes = new Map<string, number>();
    pool.members.forEach((m, i) => {
      if (m.route === undefined) return;
      const dup = routes.get(m.route);
      if (dup !== undefined) out.push({ path: `pools.${name}.members[${i}].route`, message: `route ${JSON.stringify(m.route)} is already used by members[${dup}]; sticky routes must be unique in a pool` });
      routes.set(m.route, i);
    });
    if (pool.members.every((m) => m.standby)) out.push({ path: `pools.${name}.members`, message: "every member is a standby; at least one must be a primary" });
    const range = pool.health?.active?.expectStatus.split("-").map(Number);
    if (range && range.length === 2 && range[0]! > range[1]!) out.push({ path: `pools.${name}.health.active.expectStatus`, message: "the range's first status is larger than its last" });
  }
  c.routes.forEach((r, i) => {
    const actions = (["pool", "respond", "redirect"] as const).filter((k) => r[k] !== undefined);
    if (actions.length !== 1) out.push({ path: `routes[${i}]`, message: `give exactly one of pool, respond, redirect (got ${actions.length ? actions.join(", ") : "none"})` });
    if (r.pool !== undefined && !(r.pool in c.pools)) {
      const known = Object.keys(c.pools);
      out.push({ path: `routes[${i}].pool`, message: `no pool named ${JSON.stringify(r.pool)} (pools: ${known.join(", ") || "none"})` });
    }
  });
  c.trustedProxies.forEach((t, i) => {
    if (!parseCidr(t)) out.push({ path: `trustedProxies[${i}]`, message: `${JSON.stringify(t)} is not an IP address or CIDR such as "10.0.0.0/8"` });
  });
  return out;
}

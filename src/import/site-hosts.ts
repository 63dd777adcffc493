/**
 * Which site answers each name on a port, as the source server chooses, and so which hosts a
 * site's routes are written for. routes.json picks the exact name, then the longest `*.`
 * wildcard, then the host-less routes; the source servers do not always agree:
 *
 * - httpd (ap_update_vhost_from_headers / check_hostalias) takes the first vhost of the port,
 *   in configuration order, whose ServerName or ServerAlias matches, wildcards included: an
 *   earlier `*.example.com` wins over a later `api.example.com`, and a name the first (default)
 *   vhost has is its own even when a later vhost's wildcard matches it too.
 * - NGINX (ngx_http_find_virtual_server) takes the exact name, then the longest leading
 *   wildcard, as routes.json does; a name two servers of a port list goes to the first
 *   ("conflicting server name ... ignored"), and the default_server's own names are its own.
 *
 * So every name pattern of the port belongs to one site (its owner); a site's routes are
 * written for the names it lists and owns. A name it lists but does not own is never used; left
 * out, its requests meet the owner's wildcard (or the default's host-less routes) in routes.json.
 */
import type { Node } from "./report.ts";

export type Rule = "httpd" | "nginx";
/** A site on one port: its lower-cased name patterns, and (NGINX `.example.com`) the exact names that rank as wildcards. */
export interface Site { names: string[]; weak?: Set<string>; node: Node }

/** Whether pattern p matches name (or narrower wildcard) q: `*.example.com` matches a.example.com, a.b.example.com, *.b.example.com. */
export function covers(p: string, q: string): boolean {
  if (p === q) return true;
  if (!p.startsWith("*.")) return false;
  const rest = q.startsWith("*.") ? q.slice(1) : q;
  return rest.length > p.length - 1 && rest.endsWith(p.slice(1));
}

/** The site each name pattern of the port's sites (in configuration order) belongs to. */
export function owners(sites: Site[], rule: Rule): Map<string, Site> {
  const out = new Map<string, Site>();
  for (const q of new Set(sites.flatMap((s) => s.names))) {
    const owner = rule === "httpd"
      ? sites.find((s) => s.names.some((p) => covers(p, q)))
      : sites.find((s) => s.names.includes(q) && !s.weak?.has(q)) ?? sites.find((s) => s.names.includes(q));
    out.set(q, owner!);
  }
  return out;
}

export interface SiteHosts {
  /** The hosts to write the site's routes for; undefined is the host-less copy of a default site. */
  hosts: (string | undefined)[];
  /** Names the site lists that another site answers: its routes are never used for them. */
  lost: { name: string; owner: Site }[];
}

/**
 * The hosts of `site` on a port. A default site answers every host (host-less routes), and also
 * gets a copy for each name it owns that another site's wildcard would otherwise take in
 * routes.json; a site that owns nothing and is not the default gets no routes there.
 */
export function siteHosts(site: Site, sites: Site[], isDefault: boolean, rule: Rule): SiteHosts {
  const own = owners(sites, rule);
  const mine = site.names.filter((q) => own.get(q) === site);
  const lost = [...new Set(site.names)].filter((q) => own.get(q) !== site).map((name) => ({ name, owner: own.get(name)! }));
  if (!isDefault) return { hosts: mine, lost };
  const captured = (q: string) => [...own].some(([r, o]) => o !== site && r !== q && covers(r, q));
  return { hosts: [...mine.filter(captured), undefined], lost };
}

/** A site on one of its ports: the sites of the port (configuration order) and whether it is the port's default. */
export interface OnPort { port: number; sites: Site[]; isDefault: boolean }

/** A name a site lists and loses, with the site that owns it and the ports where it does. */
export interface Lost { name: string; owner: Site; ports: number[] }

/**
 * The names a site loses on every one of its ports, when it is the default of none and owns
 * none of its names on any: such a site is never used (no request reaches it), so nothing in
 * it is carried over. Undefined when some request can reach it.
 */
export function lostEverywhere(site: Site, ports: OnPort[], rule: Rule): Lost[] | undefined {
  if (!site.names.length || ports.some((p) => p.isDefault)) return undefined;
  const lost = new Map<string, Lost>();
  for (const p of ports) {
    const got = siteHosts(site, p.sites, false, rule);
    if (got.hosts.length) return undefined;
    for (const { name, owner } of got.lost) {
      const key = `${name} ${at(owner)}`;
      lost.set(key, { name, owner, ports: [...(lost.get(key)?.ports ?? []), p.port] });
    }
  }
  return [...lost.values()];
}

export const at = (s: Site) => `${s.node.loc.file}:${s.node.loc.line}`;
export const portWords = (ports: number[]) => `port${ports.length > 1 ? "s" : ""} ${ports.join(", ")}`;

/** Why a never-used site is: `gives(names)` is the source server's rule, said of one name on its ports, or of each. */
export function neverUsed(what: string, lost: Lost[], gives: (names: string) => string): string {
  const one = lost.length === 1 ? lost[0] : undefined;
  const where = (l: Lost) => `${l.name} on ${portWords(l.ports)}`;
  const why = one ? `${gives(where(one))}, ${at(one.owner)}` : `${gives("each of its names")}: ${lost.map((l) => `${where(l)} (${at(l.owner)})`).join(", ")}`;
  return `never used: this ${what} answers no request; ${why}`;
}

/** Groups ports with the same hosts, so each route is written once per group with its ports. */
export function byHosts(ports: number[], hostsOn: (port: number) => (string | undefined)[]): { hosts: (string | undefined)[]; ports: number[] }[] {
  const groups = new Map<string, { hosts: (string | undefined)[]; ports: number[] }>();
  for (const p of ports) {
    const hosts = hostsOn(p);
    const key = JSON.stringify(hosts.map((h) => h ?? null));
    const g = groups.get(key);
    if (g) g.ports.push(p);
    else groups.set(key, { hosts, ports: [p] });
  }
  return [...groups.values()];
}

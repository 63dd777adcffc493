/**
 * Which other routes belong to a route's vhost, for `reverse` (Apache's ProxyPassReverse
 * applies every mapping of the <VirtualHost>): every route that could serve the same Host.
 * For an exact host: routes with that host, wildcards matching it, and host-less routes; for
 * a wildcard: the same wildcard and host-less routes; for a host-less route: host-less routes.
 * Only routes to a pool with `reverse` on take part.
 */
import type { RouteConfig } from "./schema.ts";

export function vhostSiblings(rc: RouteConfig, all: readonly RouteConfig[]): RouteConfig[] {
  return all.filter((o) => o !== rc && o.pool !== undefined && o.reverse && sameVhost(rc.host, o.host));
}

function sameVhost(host: string | undefined, other: string | undefined): boolean {
  if (other === undefined) return true;
  if (host === undefined) return false;
  const h = host.toLowerCase(), o = other.toLowerCase();
  if (h === o) return true;
  return o.startsWith("*.") && !h.startsWith("*.") && h.endsWith(o.slice(1));
}

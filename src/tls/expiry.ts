/**
 * When each listener's certificates expire, for `edge_proxy_certificate_expiry_timestamp_seconds`
 * (what NGINX Plus and Caddy users alert on). Parsed once per loaded certificate set, never per
 * scrape: a set is replaced as a whole on reload or renewal, so it is the cache key.
 */
import type { TlsSetup } from "./listener-tls.ts";
import { certFacts } from "./cert-facts.ts";

export interface CertificateExpiry { name: string; notAfter: number }

const cache = new WeakMap<TlsSetup, CertificateExpiry[]>();

/** One row per distinct certificate (a certificate serving several SNI names appears once), named by its CN or first SAN. */
export function certificateExpiries(setup: TlsSetup): CertificateExpiry[] {
  let rows = cache.get(setup);
  if (rows) return rows;
  const seen = new Set<string>();
  rows = [];
  for (const e of setup.entries) {
    if (seen.has(e.cert)) continue;
    seen.add(e.cert);
    const cert = certFacts(e.cert);
    const cn = /(?:^|,\s*)CN=([^,+]+)/.exec(cert.subject)?.[1]?.trim();
    rows.push({ name: cn ?? cert.sans[0] ?? cert.subject, notAfter: Math.floor(cert.notAfter.getTime() / 1000) });
  }
  cache.set(setup, rows);
  return rows;
}

/**
 * When each listener's certificates expire, for `edge_proxy_certificate_expiry_timestamp_seconds`
 * (what NGINX Plus and Caddy users alert on). Parsed once per loaded certificate set, never per
 * scrape: a set is replaced as a whole on reload or renewal, so it is the cache key.
 */
import type { TlsSetup } from "./listener-tls.ts";
import { certFacts } from "./cert-facts.ts";

export interface CertificateExpiry { name: string; notAfter: number }

const cache = new WeakMap<TlsSetup, CertificateExpiry[]>();

/** One row per distinct certificate (a certificate serving several SNI names appears once), named by its CN or first SAN (and its key type, then a number, when that name is taken). */
export function certificateExpiries(setup: TlsSetup): CertificateExpiry[] {
  let rows = cache.get(setup);
  if (rows) return rows;
  const seen = new Set<string>();
  rows = [];
  for (const pem of setup.entries.flatMap((e) => [e.cert].flat())) {
    if (seen.has(pem)) continue;
    seen.add(pem);
    const cert = certFacts(pem);
    const cn = /(?:^|,\s*)CN=([^,+]+)/.exec(cert.subject)?.[1]?.trim();
    const base = cn ?? cert.sans[0] ?? cert.subject;
    // Certificates sharing a CN (an RSA and an ECDSA one, or two of a kind) are series of their
    // own: a label set given twice is an invalid exposition that Prometheus drops.
    const taken = (n: string) => rows!.some((r) => r.name === n);
    let name = taken(base) ? `${base} (${cert.keyType})` : base;
    for (let k = 2; taken(name); k++) name = `${base} (${cert.keyType} ${k})`;
    rows.push({ name, notAfter: Math.floor(cert.notAfter.getTime() / 1000) });
  }
  cache.set(setup, rows);
  return rows;
}

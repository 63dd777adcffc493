/**
 * When each listener's certificates expire, for `edge_proxy_certificate_expiry_timestamp_seconds`
 * (what NGINX Plus and Caddy users alert on). Parsed once per loaded certificate set, never per
 * scrape: a set is replaced as a whole on reload or renewal, so it is the cache key.
 */
import type { TlsSetup } from "./listener-tls.ts";
import { x509 } from "./x509.ts";

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
    const cert = new x509.X509Certificate(e.cert);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()[0]?.value;
    const name = cert.subjectName.getField("CN")[0] ?? san ?? cert.subject;
    rows.push({ name, notAfter: Math.floor(cert.notAfter.getTime() / 1000) });
  }
  cache.set(setup, rows);
  return rows;
}

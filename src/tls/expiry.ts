/**
 * When each listener's certificates expire, for `edge_proxy_certificate_expiry_timestamp_seconds`
 * (what NGINX Plus and Caddy users alert on), and each pool's client certificate (tls.cert), for
 * `edge_proxy_upstream_certificate_expiry_timestamp_seconds`: an expired one fails every handshake
 * with a member that checks it, so it is alerted on the same way. Parsed once per loaded
 * certificate set, never per scrape: a set is replaced as a whole on reload or renewal, so it is
 * the cache key.
 */
import type { TlsSetup } from "./listener-tls.ts";
import type { RuntimePool } from "../config/runtime.ts";
import { certFacts } from "./cert-facts.ts";

export interface CertificateExpiry { name: string; notAfter: number }

const cache = new WeakMap<TlsSetup, CertificateExpiry[]>();
const poolCache = new WeakMap<object, CertificateExpiry>();

const cnOf = (subject: string) => /(?:^|,\s*)CN=([^,+]+)/.exec(subject)?.[1]?.trim();
const unix = (d: Date) => Math.floor(d.getTime() / 1000);

/** One row per pool that shows members a client certificate, named by the certificate's CN or first SAN. */
export function poolCertificateExpiries(pools: Iterable<Pick<RuntimePool, "name" | "upstreamTls">>): (CertificateExpiry & { pool: string })[] {
  const rows: (CertificateExpiry & { pool: string })[] = [];
  for (const p of pools) {
    const tls = p.upstreamTls;
    if (!tls?.cert) continue;
    let row = poolCache.get(tls);
    if (!row) {
      const cert = certFacts(tls.cert); // compile read this file already: it parses
      poolCache.set(tls, (row = { name: cnOf(cert.subject) ?? cert.sans[0] ?? cert.subject, notAfter: unix(cert.notAfter) }));
    }
    rows.push({ pool: p.name, ...row });
  }
  return rows;
}

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
    const base = cnOf(cert.subject) ?? cert.sans[0] ?? cert.subject;
    // Certificates sharing a CN (an RSA and an ECDSA one, or two of a kind) are series of their
    // own: a label set given twice is an invalid exposition that Prometheus drops.
    const taken = (n: string) => rows!.some((r) => r.name === n);
    let name = taken(base) ? `${base} (${cert.keyType})` : base;
    for (let k = 2; taken(name); k++) name = `${base} (${cert.keyType} ${k})`;
    rows.push({ name, notAfter: unix(cert.notAfter) });
  }
  cache.set(setup, rows);
  return rows;
}

// The warnings a certificate earns wherever it is looked at (`proxy cert inspect`, a listener
// loading it): expiry, weak keys, missing SANs. No certificate parser here, so the proxy can
// load its listeners without @peculiar/x509 (cert-facts.ts reads them with node:crypto).

export interface CertSummary {
  subject: string;
  issuer: string;
  /** dNSName and iPAddress values as plain strings; other name types as "type:value" */
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  /** "RSA", "EC" (keySize is the curve size: 256 for P-256), "Ed25519", ... */
  keyType: string;
  keySize: number;
  /** SHA-256 of the DER, colon-separated upper-case hex like `openssl x509 -fingerprint` */
  sha256: string;
  isCA: boolean;
}

const WARN_DAYS = 30;

/** Key-strength and SAN warnings, shared by certificates and CSRs. */
export function keyWarnings(s: { keyType: string; keySize: number; sans: string[]; isCA?: boolean; subject?: string }): string[] {
  const out: string[] = [];
  if (s.keyType === "RSA" && s.keySize < 2048)
    out.push(`weak key: RSA ${s.keySize} bits; clients reject keys under 2048 bits (reissue with: proxy cert issue, EC P-256 by default)`);
  // A real CA names no host, so a missing SAN is normal there. But `openssl req -x509` (a common
  // runbook recipe for server certs) marks every cert CA:TRUE, so judge a CA by its CN instead.
  const cn = /(?:^|,\s*)CN=([^,+]+)/.exec(s.subject ?? "")?.[1]?.trim() ?? "";
  const hostLike = cn === "localhost" || /^[\w*-]+(\.[\w-]+)+$/.test(cn);
  if ((!s.isCA || hostLike) && s.sans.length === 0)
    out.push("no subjectAltName: browsers and curl ignore the CN, so no host name will match (reissue with --san NAME)");
  return out;
}

export function warnings(s: CertSummary, now: Date = new Date()): string[] {
  const out: string[] = [];
  const days = Math.floor((s.notAfter.getTime() - now.getTime()) / 86_400_000);
  if (s.notAfter <= now) out.push(`expired on ${s.notAfter.toISOString()} (renew it)`);
  else if (days < WARN_DAYS) out.push(`expires in ${days} days, on ${s.notAfter.toISOString()} (renew it soon)`);
  if (s.notBefore > now) out.push(`not valid until ${s.notBefore.toISOString()} (check the clock)`);
  return [...out, ...keyWarnings(s)];
}

// What operators used `openssl x509 -noout -text` for, boiled down to the facts that break
// TLS in practice (expiry, weak keys, missing SANs, key/cert mismatch), with warnings.
import type * as X from "@peculiar/x509";
import { createHash, createPublicKey } from "node:crypto";
import { loadPrivateKey } from "./keys.ts";
import { parsePem } from "./pem.ts";
import { x509 } from "./x509.ts";

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

export interface CsrSummary { subject: string; sans: string[]; keyType: string; keySize: number; signatureValid: boolean }

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256k1: 256, secp384r1: 384, secp521r1: 521 };
const WARN_DAYS = 30;

function keyInfo(spki: ArrayBuffer): { keyType: string; keySize: number } {
  const k = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  const d = k.asymmetricKeyDetails;
  if (k.asymmetricKeyType === "rsa") return { keyType: "RSA", keySize: d?.modulusLength ?? 0 };
  if (k.asymmetricKeyType === "ec") return { keyType: "EC", keySize: CURVE_BITS[d?.namedCurve ?? ""] ?? 0 };
  return { keyType: k.asymmetricKeyType === "ed25519" ? "Ed25519" : String(k.asymmetricKeyType), keySize: 0 };
}

function sanList(ext: X.Extension | null): string[] {
  if (!ext) return [];
  const names = new x509.SubjectAlternativeNameExtension(ext.rawData).names.toJSON();
  return names.map((n) => (n.type === "dns" || n.type === "ip" ? n.value : `${n.type}:${n.value}`));
}

function toSummary(cert: X.X509Certificate): CertSummary {
  const hex = createHash("sha256").update(Buffer.from(cert.rawData)).digest("hex").toUpperCase();
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    sans: sanList(cert.getExtension("2.5.29.17")),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    ...keyInfo(cert.publicKey.rawData),
    sha256: hex.match(/../g)?.join(":") ?? hex,
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
  };
}

/** Every certificate in a PEM (a chain file gives several). */
export async function summarizeAll(pem: string): Promise<CertSummary[]> {
  return parsePem(pem)
    .filter((b) => b.label === "CERTIFICATE" || b.label === "X509 CERTIFICATE" || b.label === "TRUSTED CERTIFICATE")
    .map((b) => toSummary(new x509.X509Certificate(b.der)));
}

export async function summarize(certPem: string): Promise<CertSummary> {
  const first = (await summarizeAll(certPem))[0];
  if (!first) throw new Error("certificate: no PEM CERTIFICATE block found (is this a key or CSR file?)");
  return first;
}

export async function summarizeCsr(pem: string): Promise<CsrSummary> {
  const block = parsePem(pem).find((b) => b.label === "CERTIFICATE REQUEST" || b.label === "NEW CERTIFICATE REQUEST");
  if (!block) throw new Error("CSR: no PEM CERTIFICATE REQUEST block found");
  const csr = new x509.Pkcs10CertificateRequest(block.der);
  return { subject: csr.subject, sans: sanList(csr.getExtension("2.5.29.17")), ...keyInfo(csr.publicKey.rawData), signatureValid: await csr.verify() };
}

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

/** True when the private key is the one certified (compares the public key DER). */
export async function keyMatchesCert(certPem: string, keyPem: string, passphrase?: string): Promise<boolean> {
  const cert = new x509.X509Certificate(certPem);
  const pub = createPublicKey(loadPrivateKey(keyPem, passphrase)).export({ type: "spki", format: "der" });
  return Buffer.from(cert.publicKey.rawData).equals(pub);
}

export function formatSummary(s: CertSummary, now: Date = new Date()): string {
  const lines = [
    `subject:  ${s.subject}`,
    `issuer:   ${s.issuer}${s.subject === s.issuer ? " (self-signed)" : ""}`,
    `SANs:     ${s.sans.join(", ") || "(none)"}`,
    `valid:    ${s.notBefore.toISOString()} .. ${s.notAfter.toISOString()}`,
    `key:      ${s.keyType} ${s.keySize}${s.isCA ? "  (CA)" : ""}`,
    `sha256:   ${s.sha256}`,
  ];
  for (const w of warnings(s, now)) lines.push(`WARNING:  ${w}`);
  return lines.join("\n");
}

// What operators used `openssl x509 -noout -text` for, boiled down to the facts that break
// TLS in practice (expiry, weak keys, missing SANs, key/cert mismatch), with warnings.
import type * as X from "@peculiar/x509";
import { createHash, createPublicKey } from "node:crypto";
import { loadPrivateKey } from "./keys.ts";
import { parsePem } from "./pem.ts";
import { x509 } from "./x509.ts";
import { warnings, type CertSummary } from "./cert-warnings.ts";
import { publicKeyInfo } from "./cert-facts.ts";

export interface CsrSummary { subject: string; sans: string[]; keyType: string; keySize: number; signatureValid: boolean }


function keyInfo(spki: ArrayBuffer): { keyType: string; keySize: number } {
  return publicKeyInfo(createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }));
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

/**
 * pools.*.tls.ca: the certificates members are verified against, checked when the config is
 * compiled (start, `proxy check`, every reload), as `nginx -t` checks proxy_ssl_trusted_certificate.
 * Bun would take a key file or a damaged PEM without a word and then fail every handshake with
 * "unable to verify the first certificate", naming no file.
 */
// node:crypto, not @peculiar/x509: this runs at every start, and that library costs ~3 MB of
// idle RSS in a serving proxy (measured, Bun 1.4.5). Only the structure and the dates are read:
// a bundle may hold CAs whose keys BoringSSL cannot decode (brainpool, RSA-PSS, Ed448), which
// Bun's tls.ca takes and simply never matches, so they must not stop a start.
import { X509Certificate } from "node:crypto";
import { parsePem } from "./pem.ts";

export interface UpstreamCa {
  /** The file's certificate blocks only, as Bun's `tls.ca` takes them. */
  pem: string;
  warnings: string[];
}

const HINT = "give the PEM certificate of the CA that signed the members' certificates";

/** Throws a message naming `file` (the caller adds the JSON path). `now`: the expiry check's clock. */
export function checkUpstreamCa(text: string, file: string, now = Date.now()): UpstreamCa {
  const blocks = parsePem(text);
  const certs = blocks.filter((b) => b.label === "CERTIFICATE");
  if (certs.length === 0) {
    if (blocks.some((b) => b.label.endsWith("PRIVATE KEY"))) throw new Error(`${file} holds a private key, not a certificate (${HINT})`);
    const der = text.length > 0 && text.charCodeAt(0) === 0x30;
    throw new Error(`${file} holds no PEM certificate (${HINT}${der ? `; a DER file converts with: openssl x509 -inform der -in ${file} -out ca.pem` : ""})`);
  }
  const warnings: string[] = [];
  certs.forEach((b, i) => {
    let c: { subject: string; notAfter: Date };
    try {
      const x = new X509Certificate(b.text);
      c = { subject: x.subject.split("\n").filter(Boolean).join(", "), notAfter: new Date(x.validTo) };
    } catch {
      throw new Error(`${file}: certificate ${i + 1} of ${certs.length} does not parse (damaged or truncated file?)`);
    }
    if (c.notAfter.getTime() <= now) warnings.push(`${file}: certificate ${c.subject} expired on ${c.notAfter.toISOString()}; members it signed fail verification`);
  });
  return { pem: certs.map((b) => b.text).join("\n") + "\n", warnings };
}

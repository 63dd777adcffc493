// A listener's certificate read with node:crypto (BoringSSL underneath): the facts its warnings
// and SNI names need, and whether the key fits. @peculiar/x509 stays for issuing and for
// `proxy cert inspect`: loaded at start it costs ~15 MB of idle RSS (measured, Bun 1.4.5).
import { parsePem } from "./pem.ts";
import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import type { CertSummary } from "./cert-warnings.ts";

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256k1: 256, secp384r1: 384, secp521r1: 521 };

/** Node writes DNs one attribute a line; the summaries elsewhere join them with ", " (RFC 4514 order kept). */
const dn = (text: string) => text.split("\n").filter((l) => l !== "").join(", ");

/** "DNS:a, IP Address:1.2.3.4, URI:x" -> ["a", "1.2.3.4", "uri:x"] (as inspect.ts names them). */
function sans(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/,\s*/).map((entry) => {
    const colon = entry.indexOf(":");
    const type = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    return type === "DNS" || type === "IP Address" ? value : `${type.toLowerCase()}:${value}`;
  });
}

/** "RSA" with its modulus bits, "EC" with its curve size (256 for P-256), "Ed25519", ... */
export function publicKeyInfo(k: KeyObject): { keyType: string; keySize: number } {
  const d = k.asymmetricKeyDetails;
  if (k.asymmetricKeyType === "rsa") return { keyType: "RSA", keySize: d?.modulusLength ?? 0 };
  if (k.asymmetricKeyType === "ec") return { keyType: "EC", keySize: CURVE_BITS[d?.namedCurve ?? ""] ?? 0 };
  return { keyType: k.asymmetricKeyType === "ed25519" ? "Ed25519" : String(k.asymmetricKeyType), keySize: 0 };
}

/** The first certificate of a PEM; throws when there is none. */
export function certFacts(pem: string): CertSummary {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("certificate: no PEM CERTIFICATE block found (is this a key or CSR file?)");
  const c = new X509Certificate(pem);
  return {
    subject: dn(c.subject), issuer: dn(c.issuer), sans: sans(c.subjectAltName),
    notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo),
    ...publicKeyInfo(c.publicKey), sha256: c.fingerprint256, isCA: c.ca,
  };
}

/** True when the private key is the one certified (compares the public keys). */
export function keyFitsCert(certPem: string, key: KeyObject | string): boolean {
  const pub = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return pub.equals(createPublicKey(key).export({ type: "spki", format: "der" }));
}

/** Which certificate of a PEM bundle (0-based) the key belongs to, or -1: a chain file with the intermediate first is a common slip. */
export function certIndexForKey(pem: string, key: KeyObject | string): number {
  return parsePem(pem).filter((b) => b.label === "CERTIFICATE").findIndex((b) => keyFitsCert(b.text, key));
}

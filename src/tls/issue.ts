// Certificate authority operations on @peculiar/x509: the openssl `req -x509`, `x509 -req`
// and `req -new` steps operators used to run by hand, with modern defaults baked in.
import type * as X from "@peculiar/x509";
import { isIP } from "node:net";
import { generateKeyPair, importSigningKey, privateKeyToPem } from "./keys.ts";
import type { KeyType, SigningKey } from "./keys.ts";
import { x509 } from "./x509.ts";

export interface KeyOpts { keyType?: KeyType; rsaBits?: number }
export interface Issued { certPem: string; keyPem: string }
export interface CaOpts { caCertPem: string; caKeyPem: string; caPassphrase?: string }

const DAY = 86_400_000;
/** CA/Browser Forum maximum leaf lifetime; browsers reject longer ones. */
export const LEAF_DAYS = 397;
export const CA_DAYS = 3650;

/** 16 random bytes, top bit clear so the INTEGER is positive and exactly 16 bytes long. */
function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(b).toString("hex");
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  // Backdate a little so clients with a slightly slow clock accept a fresh certificate.
  const now = Date.now();
  return { notBefore: new Date(now - 5 * 60_000), notAfter: new Date(now + days * DAY) };
}

/**
 * Why a SAN value is not usable, or undefined: an IP address, or a DNS name of letters, digits
 * and hyphens per label (RFC 1123 2.1, RFC 5280 4.2.1.6), a leading "*." wildcard allowed
 * (RFC 6125 6.4.3). Anything else would be written into the certificate and never match.
 */
export function sanProblem(value: string): string | undefined {
  if (isIP(value)) return undefined;
  const host = value.startsWith("*.") ? value.slice(2) : value;
  if (host.length > 253) return "is longer than 253 characters";
  const labels = host.split(".");
  if (labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) return undefined;
  return "is neither an IP address nor a DNS name (letters, digits, hyphens and dots; \"*.\" only as the first label)";
}

/** IPs become iPAddress SANs, anything else dNSName; the CN is the SAN when none are given. */
export function sanNames(cn: string, sans: string[]): X.JsonGeneralNames {
  const list = sans.length > 0 ? sans : [cn];
  return [...new Set(list.map((s) => s.trim()).filter(Boolean))].map((value) => ({ type: isIP(value) ? "ip" : "dns", value }));
}

const name = (cn: string): X.JsonName => [{ CN: [cn] }];

async function newKey(o: KeyOpts): Promise<{ keys: CryptoKeyPair; keyPem: string }> {
  const keys = await generateKeyPair(o.keyType ?? "ec", o.rsaBits ?? 2048);
  return { keys, keyPem: await privateKeyToPem(keys.privateKey) };
}

export async function createCA(opts: { cn: string; days?: number } & KeyOpts): Promise<Issued> {
  const { keys, keyPem } = await newKey(opts);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: name(opts.cn),
    ...validity(opts.days ?? CA_DAYS),
    keys,
    signingAlgorithm: opts.keyType === "rsa" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem };
}

interface LeafParams {
  subject: X.X509CertificateCreateParamsName;
  cn: string;
  sans: string[];
  days: number;
  publicKey: X.PublicKey;
  signer: SigningKey;
  ca?: X.X509Certificate;
}

async function buildLeaf(p: LeafParams): Promise<string> {
  const isRsa = p.publicKey.algorithm.name.startsWith("RSA");
  let usage = x509.KeyUsageFlags.digitalSignature;
  if (isRsa) usage |= x509.KeyUsageFlags.keyEncipherment; // RSA key exchange in TLS 1.2
  const v = validity(p.days);
  // A leaf outliving its CA fails verification anyway; stop at the CA's end instead.
  if (p.ca && v.notAfter > p.ca.notAfter) v.notAfter = p.ca.notAfter;
  const caSki = p.ca?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const aki = caSki
    ? new x509.AuthorityKeyIdentifierExtension(caSki)
    : await x509.AuthorityKeyIdentifierExtension.create(p.ca ?? p.signer.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: p.subject,
    issuer: p.ca ? p.ca.subjectName : p.subject,
    ...v,
    publicKey: p.publicKey,
    signingKey: p.signer.privateKey,
    signingAlgorithm: p.signer.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(sanNames(p.cn, p.sans)),
      await x509.SubjectKeyIdentifierExtension.create(p.publicKey),
      aki,
    ],
  });
  return cert.toString("pem") + "\n";
}

/** Loads and checks a CA: it must be a CA certificate and the key must be its key. */
async function loadCA(o: CaOpts): Promise<{ ca: X.X509Certificate; signer: SigningKey }> {
  let ca: X.X509Certificate;
  try {
    ca = new x509.X509Certificate(o.caCertPem);
  } catch {
    throw new Error("CA certificate: not a PEM certificate (give the CA's .crt file)");
  }
  if (ca.getExtension(x509.BasicConstraintsExtension)?.ca !== true)
    throw new Error(`CA certificate ${ca.subject}: not a CA (basicConstraints CA:true missing); create one with: proxy cert ca`);
  const signer = await importSigningKey(o.caKeyPem, o.caPassphrase, "CA key");
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", signer.publicKey));
  if (!Buffer.from(spki).equals(Buffer.from(ca.publicKey.rawData)))
    throw new Error(`CA key does not belong to CA certificate ${ca.subject} (give the matching key)`);
  return { ca, signer };
}

export async function issueLeaf(opts: CaOpts & { cn: string; sans: string[]; days?: number } & KeyOpts): Promise<Issued> {
  const { ca, signer } = await loadCA(opts);
  const { keys, keyPem } = await newKey(opts);
  const publicKey = await x509.PublicKey.create(keys.publicKey);
  const certPem = await buildLeaf({ subject: name(opts.cn), cn: opts.cn, sans: opts.sans, days: opts.days ?? LEAF_DAYS, publicKey, signer, ca });
  return { certPem, keyPem };
}

export async function selfSigned(opts: { cn: string; sans: string[]; days?: number } & KeyOpts): Promise<Issued> {
  const { keys, keyPem } = await newKey(opts);
  const signer = await importSigningKey(keyPem);
  const publicKey = await x509.PublicKey.create(keys.publicKey);
  const certPem = await buildLeaf({ subject: name(opts.cn), cn: opts.cn, sans: opts.sans, days: opts.days ?? LEAF_DAYS, publicKey, signer });
  return { certPem, keyPem };
}

/** A PKCS#10 request for an existing key, SANs carried in an extensionRequest attribute. */
export async function createCsr(opts: { cn: string; sans: string[]; keyPem: string; passphrase?: string }): Promise<string> {
  const signer = await importSigningKey(opts.keyPem, opts.passphrase, "key");
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: name(opts.cn),
    keys: { privateKey: signer.privateKey, publicKey: signer.publicKey },
    signingAlgorithm: signer.signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension(sanNames(opts.cn, opts.sans))],
  });
  return csr.toString("pem") + "\n";
}

/** Signs a CSR as a server leaf: keeps its subject and SANs (CN as SAN when it has none). */
export async function signCsr(opts: CaOpts & { csrPem: string; days?: number }): Promise<string> {
  let csr: X.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(opts.csrPem);
  } catch {
    throw new Error("CSR: not a PEM certificate request (make one with: proxy cert csr, or openssl req -new)");
  }
  if (!(await csr.verify())) throw new Error(`CSR ${csr.subject}: signature does not verify (damaged or tampered request)`);
  const { ca, signer } = await loadCA(opts);
  const cn = csr.subjectName.getField("CN")[0] ?? "";
  const sanExt = csr.getExtension("2.5.29.17") as X.SubjectAlternativeNameExtension | null;
  const sans = (sanExt?.names.toJSON() ?? []).filter((n) => n.type === "dns" || n.type === "ip").map((n) => n.value);
  if (!cn && sans.length === 0) throw new Error(`CSR ${csr.subject}: has neither a CN nor SANs; nothing to name the certificate for`);
  return buildLeaf({ subject: csr.subjectName, cn, sans, days: opts.days ?? LEAF_DAYS, publicKey: csr.publicKey, signer, ca });
}

// Certificate authority operations on @peculiar/x509: the openssl `req -x509`, `x509 -req`
// and `req -new` steps operators used to run by hand, with modern defaults baked in.
import type * as X from "@peculiar/x509";
import { isIP } from "../net/ip.ts";
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
  // Backdate a little so clients with a slightly slow clock accept a fresh certificate (5 min,
  // or a tenth of a very short life, so that its renewal point stays in the future).
  const now = Date.now();
  return { notBefore: new Date(now - Math.min(5 * 60_000, (days * DAY) / 10)), notAfter: new Date(now + days * DAY) };
}

// A DNS SAN is a preferred-syntax host name (RFC 1034 3.5, RFC 1123 2.1): LDH labels of 1-63
// characters, no hyphen at either end, at most 253 in all; a leading "*." wildcard is allowed
// (RFC 6125 6.4.3). Anything else would be written into the certificate and then match nothing.
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Why `value` cannot be a SAN, or undefined when it can. */
export function sanProblem(value: string): string | undefined {
  if (isIP(value)) return undefined;
  const host = value.startsWith("*.") ? value.slice(2) : value;
  if (value.length > 253 || !host.split(".").every((l) => LABEL.test(l)))
    return `"${value}" is neither an IP address nor a DNS name (letters, digits and hyphens in dot-separated labels, optionally starting with "*.")`;
  return undefined;
}

/**
 * IPs become iPAddress SANs, anything else dNSName; the CN is the SAN when none are given and
 * it is a host name. Only names given as SANs are refused: a CN that is no host name (a client
 * certificate's "Jane Doe") is not copied, since a dNSName must be one (RFC 5280 4.2.1.6).
 */
export function sanNames(cn: string, sans: string[]): X.JsonGeneralNames {
  const given = sans.length > 0 ? sans : sanProblem(cn.trim()) === undefined ? [cn] : [];
  const list = [...new Set(given.map((s) => s.trim()).filter(Boolean))];
  for (const value of sans.length > 0 ? list : []) {
    const problem = sanProblem(value);
    if (problem) throw new Error(`SAN ${problem}`);
  }
  return list.map((value) => ({ type: isIP(value) ? "ip" : "dns", value }));
}

const name = (cn: string): X.JsonName => [{ CN: [cn] }];

async function newKey(o: KeyOpts): Promise<{ keys: CryptoKeyPair; keyPem: string }> {
  const keys = await generateKeyPair(o.keyType ?? "ec", o.rsaBits ?? 2048);
  return { keys, keyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * A root CA, or with `parent` an intermediate signed by it (seed 003's chain: root -> issuing CA
 * -> server). An intermediate gets pathLen 0 (it may sign leaves only, as CA/Browser Forum
 * issuing CAs) and never outlives its parent.
 */
export async function createCA(opts: { cn: string; days?: number; parent?: CaOpts } & KeyOpts): Promise<Issued> {
  const { keys, keyPem } = await newKey(opts);
  const parent = opts.parent ? await loadCA(opts.parent, true) : undefined;
  const v = validity(opts.days ?? CA_DAYS);
  if (parent && v.notAfter > parent.ca.notAfter) v.notAfter = parent.ca.notAfter;
  const extensions: X.Extension[] = [
    new x509.BasicConstraintsExtension(true, parent ? 0 : undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (!parent) {
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(), name: name(opts.cn), ...v, keys, extensions,
      signingAlgorithm: opts.keyType === "rsa" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" },
    });
    return { certPem: cert.toString("pem") + "\n", keyPem };
  }
  extensions.push(await authorityKeyId(parent.ca, parent.signer));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: name(opts.cn), issuer: parent.ca.subjectName, ...v,
    publicKey: await x509.PublicKey.create(keys.publicKey),
    signingKey: parent.signer.privateKey, signingAlgorithm: parent.signer.signingAlgorithm, extensions,
  });
  return { certPem: cert.toString("pem") + "\n", keyPem };
}

/** The issuer's key id: its SubjectKeyIdentifier when it has one (RFC 5280 4.2.1.1). */
async function authorityKeyId(ca: X.X509Certificate | undefined, signer: SigningKey): Promise<X.AuthorityKeyIdentifierExtension> {
  const ski = ca?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  return ski ? new x509.AuthorityKeyIdentifierExtension(ski) : x509.AuthorityKeyIdentifierExtension.create(ca ?? signer.publicKey);
}

interface LeafParams {
  subject: X.X509CertificateCreateParamsName;
  cn: string;
  sans: string[];
  /** SANs other than DNS and IP, kept as the CSR had them (email, URI, UPN, RID...) */
  otherNames?: X.JsonGeneralNames;
  /** The CSR's own SAN extension, copied byte for byte (takes the place of sans/otherNames) */
  sanExtension?: X.Extension;
  days: number;
  publicKey: X.PublicKey;
  signer: SigningKey;
  ca?: X.X509Certificate;
}

/** The CN becomes a DNS SAN when no DNS or IP SAN is given; beside email/URI SANs only when it is a host name (not "Jane Doe"). */
function sanList(p: LeafParams): X.JsonGeneralNames {
  return [...sanNames(p.cn, p.sans), ...(p.otherNames ?? [])];
}

/** RFC 5280 4.2.1.6: a SAN extension holds at least one name; with none there is none. */
function sanExtensions(names: X.JsonGeneralNames): X.Extension[] {
  return names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [];
}

async function buildLeaf(p: LeafParams): Promise<string> {
  const isRsa = p.publicKey.algorithm.name.startsWith("RSA");
  let usage = x509.KeyUsageFlags.digitalSignature;
  if (isRsa) usage |= x509.KeyUsageFlags.keyEncipherment; // RSA key exchange in TLS 1.2
  const v = validity(p.days);
  // A leaf outliving its CA fails verification anyway; stop at the CA's end instead.
  if (p.ca && v.notAfter > p.ca.notAfter) v.notAfter = p.ca.notAfter;
  const aki = await authorityKeyId(p.ca, p.signer);
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
      ...(p.sanExtension ? [p.sanExtension] : sanExtensions(sanList(p))),
      await x509.SubjectKeyIdentifierExtension.create(p.publicKey),
      aki,
    ],
  });
  return cert.toString("pem") + "\n";
}

/**
 * Loads and checks a CA: a CA certificate, still valid, whose key this is. `forCA`: it is to
 * sign another CA, which a pathlen:0 CA may not (RFC 5280 4.2.1.9; verifiers fail the chain
 * with "path length constraint exceeded", so refusing here saves issuing a dead branch).
 */
async function loadCA(o: CaOpts, forCA = false): Promise<{ ca: X.X509Certificate; signer: SigningKey }> {
  let ca: X.X509Certificate;
  try {
    ca = new x509.X509Certificate(o.caCertPem);
  } catch {
    throw new Error("CA certificate: not a PEM certificate (give the CA's .crt file)");
  }
  const bc = ca.getExtension(x509.BasicConstraintsExtension);
  if (bc?.ca !== true) throw new Error(`CA certificate ${ca.subject}: not a CA (basicConstraints CA:true missing); create one with: proxy cert ca`);
  if (ca.notAfter.getTime() <= Date.now()) throw new Error(`CA certificate ${ca.subject}: expired on ${ca.notAfter.toISOString()}; renew it (proxy cert ca) before issuing from it`);
  if (forCA && bc.pathLength === 0) throw new Error(`CA certificate ${ca.subject}: has pathlen:0, so it may sign leaves only, not another CA (sign the new CA with its parent)`);
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
    extensions: sanExtensions(sanNames(opts.cn, opts.sans)),
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
  const names = sanExt?.names.toJSON() ?? [];
  const sans = names.filter((n) => n.type === "dns" || n.type === "ip").map((n) => n.value);
  if (!cn && !sanExt) throw new Error(`CSR ${csr.subject}: has neither a CN nor SANs; nothing to name the certificate for`);
  const leaf = { subject: csr.subjectName, cn, days: opts.days ?? LEAF_DAYS, publicKey: csr.publicKey, signer, ca };
  // The CSR's SANs are copied byte for byte, as `openssl x509 -copy_extensions copy` does: every
  // kind (email, URI, UPN, RID, SmtpUTF8Mailbox...) stays, even those this library cannot read.
  // Only a host-name CN with no DNS or IP SAN beside it is added, so the certificate serves that name.
  const cnAsHost = cn !== "" && sanProblem(cn) === undefined;
  if (sanExt && (sans.length > 0 || !cnAsHost)) return buildLeaf({ ...leaf, sans, sanExtension: new x509.Extension("2.5.29.17", sanExt.critical, sanExt.value) });
  return buildLeaf({ ...leaf, sans, otherNames: names.filter((n) => n.type !== "dns" && n.type !== "ip") });
}

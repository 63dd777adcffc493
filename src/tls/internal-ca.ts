/**
 * `"certificates": "internal"` (Caddy's `tls internal`): a local CA kept in dataDir, created on
 * first start and reused after, and a certificate per route host issued from it. Clients trust
 * <dataDir>/ca.crt once; certificates are re-issued when names change or they near expiry.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isIP } from "../net/ip.ts";
import { hostname } from "node:os";
import { join } from "node:path";
import { createCA, issueLeaf } from "./issue.ts";
import { keyMatchesCert } from "./inspect.ts";
import { x509 } from "./x509.ts";

export interface InternalCert { names: string[]; certPem: string; keyPem: string; certFile: string; keyFile: string; notAfter: Date }
export interface InternalCerts {
  caFile: string;
  /** certs[0] is the default (localhost, 127.0.0.1, ::1 and IP route hosts) for clients with no or unknown SNI */
  certs: InternalCert[];
  /** when the first certificate falls due for re-issue: reload by then */
  renewAt: Date;
  caCreated: boolean;
}

/** Short enough that a leaked key ages out, long enough to survive a proxy left running a while. */
export const INTERNAL_LEAF_DAYS = 90;
const DAY_MS = 86_400_000;
const DEFAULT_NAMES = ["localhost", "127.0.0.1", "::1"];

/** Writes via a temporary file and rename, so a crash never leaves half a key behind. */
function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function ensureDir(dir: string): void {
  // Only a directory we create gets 0700: never tighten a directory the operator chose.
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

async function loadOrCreateCA(dataDir: string): Promise<{ certPem: string; keyPem: string; created: boolean }> {
  const certFile = join(dataDir, "ca.crt");
  const keyFile = join(dataDir, "ca.key");
  const has = [existsSync(certFile), existsSync(keyFile)];
  if (has[0] && has[1]) {
    const certPem = readFileSync(certFile, "utf8");
    const keyPem = readFileSync(keyFile, "utf8");
    if (!(await keyMatchesCert(certPem, keyPem).catch(() => false)))
      throw new Error(`dataDir: ${keyFile} does not match ${certFile} (restore the pair, or delete both to create a new internal CA that clients must trust again)`);
    return { certPem, keyPem, created: false };
  }
  if (has[0] || has[1])
    throw new Error(`dataDir: ${has[0] ? keyFile : certFile} is missing but ${has[0] ? certFile : keyFile} exists (restore it, or delete both to create a new internal CA)`);
  ensureDir(dataDir);
  // A random suffix tells apart the CAs of several installs in a client's trust store.
  const tag = Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex");
  const ca = await createCA({ cn: `edge-proxy internal CA ${hostname()} ${tag}` });
  writeAtomic(keyFile, ca.keyPem, 0o600);
  writeAtomic(certFile, ca.certPem, 0o644);
  return { ...ca, created: true };
}

const fileStem = (name: string): string => name.replace(/^\*\./, "wildcard_.").replace(/[^A-Za-z0-9_.-]/g, "_");

/** Why a stored certificate must be re-issued, or undefined when it is still good. */
async function staleReason(certPem: string, keyPem: string, names: string[], caPem: string, now: Date): Promise<string | undefined> {
  const cert = new x509.X509Certificate(certPem);
  const ca = new x509.X509Certificate(caPem);
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const have = (ext?.names.toJSON() ?? []).map((n) => n.value).sort();
  if (have.join(",") !== [...names].sort().join(",")) return `names changed from ${have.join(", ")}`;
  if (cert.issuer !== ca.subject || !(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }))) return "issued by another CA";
  const life = cert.notAfter.getTime() - cert.notBefore.getTime();
  // A second of slack: the renewal timer may fire a hair before the due point it computed.
  if (cert.notAfter.getTime() - now.getTime() < life / 3 + 1000) return `expires ${cert.notAfter.toISOString()}`;
  if (!(await keyMatchesCert(certPem, keyPem))) return "key does not match";
  return undefined;
}

async function ensureLeaf(dataDir: string, stem: string, names: string[], ca: { certPem: string; keyPem: string }, now: Date, log: (m: string) => void, lifetimeMs: number): Promise<InternalCert> {
  const dir = join(dataDir, "certs");
  ensureDir(dir);
  const certFile = join(dir, `${stem}.crt`);
  const keyFile = join(dir, `${stem}.key`);
  let reason = "new";
  if (existsSync(certFile) && existsSync(keyFile)) {
    const certPem = readFileSync(certFile, "utf8");
    const keyPem = readFileSync(keyFile, "utf8");
    const stale = await staleReason(certPem, keyPem, names, ca.certPem, now).catch((e: Error) => `unreadable: ${e.message}`);
    if (!stale) return { names, certPem, keyPem, certFile, keyFile, notAfter: new x509.X509Certificate(certPem).notAfter };
    reason = stale;
  }
  const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: names[0] ?? stem, sans: names, days: lifetimeMs / DAY_MS });
  writeAtomic(keyFile, leaf.keyPem, 0o600);
  writeAtomic(certFile, leaf.certPem, 0o644);
  log(`issued internal certificate ${certFile} for ${names.join(", ")} (${reason})`);
  return { names, ...leaf, certFile, keyFile, notAfter: new x509.X509Certificate(leaf.certPem).notAfter };
}

/**
 * `dataDir` is absolute (resolved against routes.json's directory); `hosts` are the route hosts.
 * `lifetimeMs` is how long new leaves live (90 days; shorter only to watch renewal happen).
 */
export async function ensureInternalCerts(dataDir: string, hosts: Iterable<string>, log: (m: string) => void, now = new Date(), lifetimeMs = INTERNAL_LEAF_DAYS * DAY_MS): Promise<InternalCerts> {
  const ca = await loadOrCreateCA(dataDir);
  const unique = [...new Set([...hosts].map((h) => h.toLowerCase()).filter((h) => !DEFAULT_NAMES.includes(h)))].sort();
  // A client that dials an IP address sends no SNI (RFC 6066 3), so it always gets the default
  // certificate: route hosts that are addresses are named there, not given a leaf never served.
  const ips = unique.filter((h) => isIP(h));
  const certs = [await ensureLeaf(dataDir, "default", [...DEFAULT_NAMES, ...ips], ca, now, log, lifetimeMs)];
  for (const h of unique.filter((h) => !isIP(h))) certs.push(await ensureLeaf(dataDir, fileStem(h), [h], ca, now, log, lifetimeMs));
  // Due when a third of its life is left, the same rule staleReason applies when it re-reads it.
  const renewAt = Math.min(...certs.map((c) => c.notAfter.getTime() - (c.notAfter.getTime() - new x509.X509Certificate(c.certPem).notBefore.getTime()) / 3));
  return { caFile: join(dataDir, "ca.crt"), certs, renewAt: new Date(renewAt), caCreated: ca.created };
}

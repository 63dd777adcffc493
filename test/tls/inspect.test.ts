import { expect, test } from "bun:test";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { formatSummary, keyMatchesCert, summarize, summarizeAll, summarizeCsr } from "../../src/tls/inspect.ts";
import { warnings, type CertSummary } from "../../src/tls/cert-warnings.ts";
import { opensslOk, read, tempDir, write } from "./openssl.ts";

const dir = tempDir();
const ca = await createCA({ cn: "Inspect CA" });
const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "web.example.com", sans: ["web.example.com", "10.0.0.5"] });

test("summary of an issued leaf matches openssl's view", async () => {
  const s = await summarize(leaf.certPem);
  expect(s.subject).toBe("CN=web.example.com");
  expect(s.issuer).toBe("CN=Inspect CA");
  expect(s.sans).toEqual(["web.example.com", "10.0.0.5"]);
  expect([s.keyType, s.keySize, s.isCA]).toEqual(["EC", 256, false]);
  write(dir, "leaf.crt", leaf.certPem);
  const fp = opensslOk(dir, "x509", "-in", "leaf.crt", "-noout", "-fingerprint", "-sha256").trim().split("=")[1];
  expect(s.sha256).toBe(fp!);
  expect(warnings(s)).toEqual([]);
});

test("a chain file yields every certificate", async () => {
  const all = await summarizeAll(leaf.certPem + ca.certPem);
  expect(all.map((s) => [s.subject, s.isCA])).toEqual([["CN=web.example.com", false], ["CN=Inspect CA", true]]);
});

test("warns on the seeds' 1024-bit RSA key and on a missing SAN", async () => {
  opensslOk(dir, "genrsa", "-traditional", "-out", "weak.key", "1024");
  opensslOk(dir, "req", "-x509", "-new", "-key", "weak.key", "-subj", "/CN=weak.example.com", "-days", "365", "-addext", "basicConstraints=critical,CA:FALSE", "-out", "weak.crt");
  const s = await summarize(read(dir, "weak.crt"));
  expect(s.keySize).toBe(1024);
  const w = warnings(s);
  expect(w.some((x) => x.includes("weak key: RSA 1024 bits"))).toBe(true);
  expect(w.some((x) => x.includes("no subjectAltName"))).toBe(true);
  expect(formatSummary(s)).toContain("WARNING:  weak key");
  expect(await keyMatchesCert(read(dir, "weak.crt"), read(dir, "weak.key"))).toBe(true);
  expect(await keyMatchesCert(read(dir, "weak.crt"), leaf.keyPem)).toBe(false);
});

test("expiry warnings: within 30 days, expired, not yet valid", () => {
  const base: CertSummary = { subject: "CN=a", issuer: "CN=a", sans: ["a"], notBefore: new Date("2025-01-01"), notAfter: new Date("2025-06-01"), keyType: "EC", keySize: 256, sha256: "", isCA: false };
  expect(warnings(base, new Date("2025-03-01"))).toEqual([]);
  expect(warnings(base, new Date("2025-05-20"))[0]).toStartWith("expires in 12 days");
  expect(warnings(base, new Date("2025-07-01"))[0]).toStartWith("expired on 2025-06-01");
  expect(warnings(base, new Date("2024-12-01"))[0]).toStartWith("not valid until");
  expect(warnings({ ...base, subject: "CN=Ops CA", sans: [], isCA: true }, new Date("2025-03-01"))).toEqual([]); // CAs need no SAN
  // ...but `openssl req -x509` server certs are CA:TRUE too; a host-like CN gives them away
  expect(warnings({ ...base, subject: "CN=sso.example.com", sans: [], isCA: true }, new Date("2025-03-01"))[0]).toStartWith("no subjectAltName");
});

test("summarizeCsr reads an openssl CSR", async () => {
  opensslOk(dir, "req", "-new", "-key", "weak.key", "-subj", "/CN=csr.example.com", "-addext", "subjectAltName=DNS:csr.example.com", "-out", "w.csr");
  const c = await summarizeCsr(read(dir, "w.csr"));
  expect(c).toEqual({ subject: "CN=csr.example.com", sans: ["csr.example.com"], keyType: "RSA", keySize: 1024, signatureValid: true });
});

// Certificates from the project's own CA, read as a listener reads them (cert-facts.ts), judged
// at clock times taken from each certificate's own validity. inspect.test.ts has the openssl
// side (a SAN-less 1024-bit certificate) and the warnings on hand-written summaries.
import { describe, expect, test } from "bun:test";
import { certFacts } from "../../src/tls/cert-facts.ts";
import { keyWarnings, warnings } from "../../src/tls/cert-warnings.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";

const DAY = 86_400_000;
const ca = await createCA({ cn: "Warnings CA" });
const signed = { caCertPem: ca.certPem, caKeyPem: ca.keyPem };
const leaf = certFacts((await issueLeaf({ ...signed, cn: "web.example.com", sans: ["web.example.com"] })).certPem);
const weak = certFacts((await issueLeaf({ ...signed, cn: "old.example.com", sans: [], keyType: "rsa", rsaBits: 1024 })).certPem);
const at = (d: Date, ms: number) => new Date(d.getTime() + ms);
const WEAK = "weak key: RSA 1024 bits; clients reject keys under 2048 bits (reissue with: proxy cert issue, EC P-256 by default)";
const NO_SAN = "no subjectAltName: browsers and curl ignore the CN, so no host name will match (reissue with --san NAME)";

describe("warnings over a certificate's life", () => {
  test("a fresh EC leaf and its CA earn none an hour after issue", () => {
    expect(warnings(leaf, at(leaf.notBefore, 3_600_000))).toEqual([]);
    expect(warnings(certFacts(ca.certPem), at(leaf.notBefore, 3_600_000))).toEqual([]);
  });

  test("30 whole days left is quiet; a millisecond less counts as 29 days", () => {
    expect(warnings(leaf, at(leaf.notAfter, -30 * DAY))).toEqual([]);
    expect(warnings(leaf, at(leaf.notAfter, -30 * DAY + 1))).toEqual([
      `expires in 29 days, on ${leaf.notAfter.toISOString()} (renew it soon)`,
    ]);
    expect(warnings(leaf, at(leaf.notAfter, -1))).toEqual([`expires in 0 days, on ${leaf.notAfter.toISOString()} (renew it soon)`]);
  });

  test("after notAfter: expired, with the date", () => {
    expect(warnings(leaf, at(leaf.notAfter, 1))).toEqual([`expired on ${leaf.notAfter.toISOString()} (renew it)`]);
  });

  test("before notBefore: not valid yet, a clock problem", () => {
    expect(warnings(leaf, at(leaf.notBefore, -1))).toEqual([`not valid until ${leaf.notBefore.toISOString()} (check the clock)`]);
  });

  test("a leaf cut short by a 10-day CA warns from the day it is issued", async () => {
    const short = await createCA({ cn: "Short CA", days: 10 });
    const s = certFacts((await issueLeaf({ caCertPem: short.certPem, caKeyPem: short.keyPem, cn: "a.example.com", sans: [] })).certPem);
    expect(warnings(s, at(s.notBefore, 3_600_000))).toEqual([`expires in 9 days, on ${s.notAfter.toISOString()} (renew it soon)`]);
  });

  test("a 1024-bit RSA leaf: the key warning, after the expiry one", () => {
    expect(warnings(weak, at(weak.notBefore, DAY))).toEqual([WEAK]);
    expect(warnings(weak, at(weak.notAfter, DAY))).toEqual([`expired on ${weak.notAfter.toISOString()} (renew it)`, WEAK]);
  });
});

describe("keyWarnings (certificates and CSRs)", () => {
  test("2048-bit RSA and any EC key are strong enough", () => {
    expect(keyWarnings({ keyType: "RSA", keySize: 2048, sans: ["a.test"] })).toEqual([]);
    expect(keyWarnings({ keyType: "EC", keySize: 256, sans: ["a.test"] })).toEqual([]);
  });

  test("a CSR (no isCA) without SANs gets both warnings, key first", () => {
    expect(keyWarnings({ keyType: "RSA", keySize: 1024, sans: [], subject: "CN=Ops CA" })).toEqual([WEAK, NO_SAN]);
  });

  test("a CA without SANs is judged by the CN, wherever it stands in the subject", () => {
    const ca = (subject: string) => keyWarnings({ keyType: "EC", keySize: 256, sans: [], isCA: true, subject });
    expect(ca("O=Ops, CN=Ops Root CA")).toEqual([]);
    expect(ca("O=Ops, CN=sso.example.com")).toEqual([NO_SAN]);
    expect(ca("CN=localhost")).toEqual([NO_SAN]);
    expect(ca("CN=*.example.com, O=Ops")).toEqual([NO_SAN]);
  });
});

import { expect, test } from "bun:test";
import { certificateExpiries } from "../../src/tls/expiry.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import type { TlsSetup } from "../../src/tls/listener-tls.ts";
import { x509 } from "../../src/tls/x509.ts";

test("one row per distinct certificate, named by its CN, with notAfter in Unix seconds", async () => {
  const ca = await createCA({ cn: "Expiry CA" });
  const a = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["a.example.com", "www.a.example.com"], days: 30 });
  const b = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "b.example.com", sans: [], days: 10 });
  const setup: TlsSetup = { names: [], entries: [
    { cert: a.certPem, key: a.keyPem }, { serverName: "www.a.example.com", cert: a.certPem, key: a.keyPem }, { serverName: "b.example.com", cert: b.certPem, key: b.keyPem },
  ] };
  const rows = certificateExpiries(setup);
  expect(rows.map((r) => r.name)).toEqual(["a.example.com", "b.example.com"]);
  expect(rows[1]!.notAfter).toBe(Math.floor(new x509.X509Certificate(b.certPem).notAfter.getTime() / 1000));
  expect(certificateExpiries(setup)).toBe(rows); // parsed once per set
});

test("an RSA and an ECDSA certificate with one CN are two rows, the second named with its key type", async () => {
  const ca = await createCA({ cn: "Expiry CA" });
  const ec = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["a.example.com"] });
  const rsa = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["a.example.com"], keyType: "rsa" });
  const setup: TlsSetup = { names: [], entries: [{ serverName: "a.example.com", cert: [ec.certPem, rsa.certPem], key: [ec.keyPem, rsa.keyPem] }] };
  expect(certificateExpiries(setup).map((r) => r.name)).toEqual(["a.example.com", "a.example.com (RSA)"]);
});

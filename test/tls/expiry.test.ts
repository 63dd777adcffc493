import { expect, test } from "bun:test";
import { certificateExpiries, poolCertificateExpiries } from "../../src/tls/expiry.ts";
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

test("certificates sharing a CN are rows of their own: the later ones named with their key type, then a number", async () => {
  const ca = await createCA({ cn: "Expiry CA" });
  const ec = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["a.example.com"] });
  const rsa = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["a.example.com"], keyType: "rsa" });
  const setup: TlsSetup = { names: [], entries: [{ serverName: "a.example.com", cert: [ec.certPem, rsa.certPem], key: [ec.keyPem, rsa.keyPem] }] };
  expect(certificateExpiries(setup).map((r) => r.name)).toEqual(["a.example.com", "a.example.com (RSA)"]);
  const ec2 = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["b.example.com"] });
  const ec3 = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["c.example.com"] });
  const three: TlsSetup = { names: [], entries: [{ cert: ec.certPem, key: ec.keyPem }, { cert: ec2.certPem, key: ec2.keyPem }, { cert: ec3.certPem, key: ec3.keyPem }] };
  expect(certificateExpiries(three).map((r) => r.name)).toEqual(["a.example.com", "a.example.com (EC)", "a.example.com (EC 2)"]);
});

test("a pool's client certificate (tls.cert) is a row named by the pool and the certificate's CN; pools without one have none", async () => {
  const ca = await createCA({ cn: "Expiry CA" });
  const client = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "edge-client", sans: ["edge.example.com"], days: 12 });
  const tls = { rejectUnauthorized: true, cert: client.certPem + ca.certPem, key: client.keyPem };
  const pools = [{ name: "plain", upstreamTls: undefined }, { name: "verify-only", upstreamTls: { rejectUnauthorized: true } }, { name: "idp", upstreamTls: tls }];
  const rows = poolCertificateExpiries(pools);
  expect(rows).toEqual([{ pool: "idp", name: "edge-client", notAfter: Math.floor(new x509.X509Certificate(client.certPem).notAfter.getTime() / 1000) }]);
});

import { expect, test } from "bun:test";
import { certFacts, keyFitsCert } from "../../src/tls/cert-facts.ts";
import { summarize } from "../../src/tls/inspect.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { opensslOk, read, tempDir } from "./openssl.ts";

const ca = await createCA({ cn: "Facts CA" });
const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "web.example.com", sans: ["web.example.com", "*.web.example.com", "10.0.0.5"] });

test("node:crypto's reading agrees with @peculiar/x509's on every fact a listener uses", async () => {
  const ours = certFacts(leaf.certPem);
  const theirs = await summarize(leaf.certPem);
  expect(ours).toEqual(theirs);
  expect(ours.sans).toEqual(["web.example.com", "*.web.example.com", "10.0.0.5"]);
  expect(certFacts(ca.certPem).isCA).toBe(true);
});

test("an openssl certificate with several subject attributes and an RSA key reads the same both ways", async () => {
  const dir = tempDir();
  opensslOk(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-days", "3", "-subj", "/O=Org/CN=app.test", "-addext", "subjectAltName=DNS:app.test,IP:127.0.0.1");
  const pem = read(dir, "c.pem");
  expect(certFacts(pem)).toEqual(await summarize(pem));
  expect(keyFitsCert(pem, read(dir, "k.pem"))).toBe(true);
  expect(keyFitsCert(leaf.certPem, read(dir, "k.pem"))).toBe(false);
});

test("a PEM without a certificate is refused with the reason", () => {
  expect(() => certFacts(leaf.keyPem)).toThrow("no PEM CERTIFICATE block found");
});

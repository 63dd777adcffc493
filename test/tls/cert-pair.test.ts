import { expect, test } from "bun:test";
import { PairError, readPair, type PairFiles } from "../../src/tls/cert-pair.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";

const ca = await createCA({ cn: "Pair CA" });
const a = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a", sans: ["a.example.com"] });
const b = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "b", sans: ["b.example.com"] });

const files = (certText: string, keyText: string, role: PairFiles["role"] = "server"): PairFiles =>
  ({ certFile: "c.pem", keyFile: "k.pem", certText, keyText, role, bytes: () => Buffer.from(certText) });

function refusal(f: PairFiles): PairError {
  try {
    readPair(f);
  } catch (e) {
    if (e instanceof PairError) return e;
    throw e;
  }
  throw new Error("readPair accepted it");
}

test("a fitting pair gives the facts, the key and the certificate blocks only, whatever else shares the file", () => {
  const r = readPair(files(a.keyPem + a.certPem + ca.certPem, a.keyPem));
  expect(r.facts.sans).toEqual(["a.example.com"]);
  expect(r.certs.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  expect(r.certs).not.toContain("PRIVATE KEY");
  expect(r.key.asymmetricKeyType).toBe("ec");
});

test("each refusal names its field, and the role in its advice", () => {
  const mismatch = refusal(files(a.certPem, b.keyPem, "client"));
  expect([mismatch.field, mismatch.message]).toEqual(["key", "k.pem does not match c.pem (give the key the client certificate was issued for; compare with: proxy cert inspect c.pem k.pem)"]);
  const order = refusal(files(ca.certPem + a.certPem, a.keyPem, "server"));
  expect([order.field, order.message]).toEqual(["cert", "c.pem: the key k.pem belongs to certificate 2 in this file, not the first; put the server certificate first, then its intermediates"]);
  expect(refusal(files(a.certPem.slice(0, 200), a.keyPem)).message).toBe("c.pem: the BEGIN CERTIFICATE block has no END line (truncated, or cut while copying?)");
  expect(refusal(files(a.certPem, "")).field).toBe("key");
});

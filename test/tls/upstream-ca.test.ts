import { describe, expect, test } from "bun:test";
import { createCA } from "../../src/tls/issue.ts";
import { checkUpstreamCa } from "../../src/tls/upstream-ca.ts";
import { opensslOk, read, tempDir } from "./openssl.ts";

const a = await createCA({ cn: "A", days: 30 });
const b = await createCA({ cn: "B" });
const DAY = 86_400_000;

describe("checkUpstreamCa", () => {
  test("keeps only the certificate blocks of a bundle", () => {
    const r = checkUpstreamCa(`# bundle\n${a.certPem}${a.keyPem}${b.certPem}`, "bundle.pem");
    expect(r.pem.match(/BEGIN CERTIFICATE/g)?.length).toBe(2);
    expect(r.pem).not.toContain("PRIVATE KEY");
    expect(r.warnings).toEqual([]);
  });

  test("a key file, an empty file, DER and a damaged block are refused naming the file", () => {
    expect(() => checkUpstreamCa(a.keyPem, "ca.key")).toThrow("ca.key holds a private key, not a certificate (give the PEM certificate of the CA");
    expect(() => checkUpstreamCa("", "empty.pem")).toThrow("empty.pem holds no PEM certificate");
    expect(() => checkUpstreamCa("\x30\x82\x01\x0a", "ca.der")).toThrow("openssl x509 -inform der -in ca.der -out ca.pem");
    const damaged = a.certPem.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAA");
    expect(() => checkUpstreamCa(b.certPem + damaged, "two.pem")).toThrow("two.pem: certificate 2 of 2 does not parse");
  });

  test("CAs whose keys the TLS library cannot decode (brainpool, RSA-PSS, Ed448, made by openssl) stay in the bundle, without a word", () => {
    const dir = tempDir();
    opensslOk(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-nodes", "-keyout", "bp.key", "-out", "bp.crt", "-subj", "/CN=BP CA", "-days", "30");
    opensslOk(dir, "req", "-x509", "-newkey", "rsa-pss", "-nodes", "-keyout", "pss.key", "-out", "pss.crt", "-subj", "/CN=PSS CA", "-days", "30");
    opensslOk(dir, "req", "-x509", "-newkey", "ed448", "-nodes", "-keyout", "ed448.key", "-out", "ed448.crt", "-subj", "/CN=Ed448 CA", "-days", "30");
    const r = checkUpstreamCa(read(dir, "bp.crt") + read(dir, "pss.crt") + read(dir, "ed448.crt") + b.certPem, "mixed.pem");
    expect(r.pem.match(/BEGIN CERTIFICATE/g)?.length).toBe(4);
    expect(r.warnings).toEqual([]);
  });

  test("an expired certificate is a warning with its end date, read off the injected clock", () => {
    const r = checkUpstreamCa(a.certPem, "a.pem", Date.now() + 31 * DAY);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^a\.pem: certificate CN=A expired on \d{4}-\d\d-\d\dT.*; members it signed fail verification$/);
  });
});

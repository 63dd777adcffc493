import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { explainUnreadable, pemProblem, unsupportedCurve } from "../../src/tls/pem-hints.ts";
import { parsePem } from "../../src/tls/pem.ts";
import { opensslOk, read, tempDir, write } from "./openssl.ts";

const dir = tempDir();
const bytes = (f: string) => readFileSync(join(dir, f));
opensslOk(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "p256.key", "-out", "p256.crt", "-subj", "/CN=a", "-days", "5");
opensslOk(dir, "ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", "k1.key");
opensslOk(dir, "req", "-x509", "-key", "k1.key", "-out", "k1.crt", "-subj", "/CN=k1", "-days", "5");
opensslOk(dir, "ecparam", "-name", "brainpoolP256r1", "-genkey", "-noout", "-out", "bp.key");

test("a PKCS#12 bundle and DER files are named as such, with the openssl command that converts them", () => {
  opensslOk(dir, "pkcs12", "-export", "-in", "p256.crt", "-inkey", "p256.key", "-out", "a.pfx", "-passout", "pass:x");
  opensslOk(dir, "x509", "-in", "p256.crt", "-outform", "der", "-out", "a.der");
  opensslOk(dir, "pkey", "-in", "p256.key", "-outform", "der", "-out", "k.der");
  expect(pemProblem(bytes("a.pfx"), "a.pfx", "certificate")).toStartWith("a.pfx is a PKCS#12 (.pfx/.p12) bundle, not PEM; split it with: openssl pkcs12 -in a.pfx -nokeys -out cert.pem");
  expect(pemProblem(bytes("a.der"), "a.der", "certificate")).toBe("a.der is DER (binary), not PEM; convert it with: openssl x509 -inform der -in a.der -out cert.pem");
  expect(pemProblem(bytes("k.der"), "k.der", "key")).toBe("k.der is DER (binary), not PEM; convert it with: openssl pkey -inform der -in k.der -out key.pem");
});

test("a block without its END line is called truncated; a whole PEM has no problem", () => {
  write(dir, "cut.crt", read(dir, "p256.crt").slice(0, 300));
  expect(pemProblem(bytes("cut.crt"), "cut.crt", "certificate")).toBe("cut.crt: the BEGIN CERTIFICATE block has no END line (truncated, or cut while copying?)");
  expect(pemProblem(bytes("p256.crt"), "p256.crt", "certificate")).toBeUndefined();
});

test("secp256k1 and brainpool keys and certificates are named by curve; P-256 is fine", () => {
  const der = (f: string) => parsePem(read(dir, f))[0]!.der;
  expect(unsupportedCurve(der("k1.key"))).toBe("secp256k1");
  expect(unsupportedCurve(der("k1.crt"))).toBe("secp256k1");
  expect(unsupportedCurve(der("bp.key"))).toBe("a brainpool curve");
  expect(unsupportedCurve(der("p256.key"))).toBeUndefined();
  expect(unsupportedCurve(der("p256.crt"))).toBeUndefined();
  expect(explainUnreadable(read(dir, "k1.crt"), () => bytes("k1.crt"), "k1.crt", "certificate")).toStartWith("k1.crt: the key is on secp256k1, which TLS does not use");
});

test("text that merely starts with 0 is no DER; a DER key given where a certificate is expected is called a key", () => {
  write(dir, "zero.crt", "0) leaf certificate\n" + read(dir, "p256.crt"));
  expect(pemProblem(bytes("zero.crt"), "zero.crt", "key")).toBeUndefined();
  expect(pemProblem(bytes("k.der"), "k.der", "certificate")).toBe("k.der is a key in DER (binary), not PEM; convert it with: openssl pkey -inform der -in k.der -out key.pem");
});

test("a later certificate of a chain on an unsupported curve is named by its place, not blamed on the key", () => {
  const chain = read(dir, "p256.crt") + read(dir, "k1.crt");
  expect(explainUnreadable(chain, () => Buffer.from(chain), "full.crt", "certificate")).toStartWith("full.crt: certificate 2 in this file has a key on secp256k1");
});

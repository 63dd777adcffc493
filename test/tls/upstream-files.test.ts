import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { encryptPrivateKeyPem } from "../../src/tls/keys.ts";
import { readClientIdentity, readUpstreamCa, type FileAccess, type PoolTlsFiles } from "../../src/tls/upstream-files.ts";
import { opensslOk, tempDir, write } from "./openssl.ts";

const dir = tempDir();
const ca = await createCA({ cn: "Client CA" });
const client = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "edge-proxy", sans: ["edge.example.com"] });
const other = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "other", sans: ["other.example.com"] });
write(dir, "ca.crt", ca.certPem);
write(dir, "client.crt", client.certPem + ca.certPem);
write(dir, "client.key", client.keyPem);
write(dir, "other.key", other.keyPem);
write(dir, "both.pem", client.keyPem + client.certPem); // Apache's SSLProxyMachineCertificateFile holds both

function run(tls: PoolTlsFiles, now = Date.now()) {
  const warnings: string[] = [];
  const io: FileAccess = {
    read: (f) => readFileSync(join(dir, f)),
    fail: (field, message) => new Error(`pools.p.tls.${field}: ${message}`),
    warn: (m) => warnings.push(m),
    now,
  };
  return { files: { ...readUpstreamCa("pools.p.tls", tls, io), ...readClientIdentity("pools.p.tls", tls, io) }, warnings };
}

test("a client certificate and its key become PEM for the dialer: the chain's certificates, the key as PKCS#8", () => {
  const { files } = run({ ca: "ca.crt", cert: "client.crt", key: "client.key" });
  expect(files.ca).toContain("BEGIN CERTIFICATE");
  expect(files.cert!.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  expect(files.key).toStartWith("-----BEGIN PRIVATE KEY-----");
  const apache = run({ cert: "both.pem", key: "both.pem" }).files;
  expect(apache.cert).not.toContain("PRIVATE KEY");
  expect(apache.key).toStartWith("-----BEGIN PRIVATE KEY-----");
});

test("cert without key, key without cert, a key of another certificate and an encrypted key are errors at their paths", () => {
  expect(() => run({ cert: "client.crt" })).toThrow("pools.p.tls.key: tls.cert is given without tls.key");
  expect(() => run({ key: "client.key" })).toThrow("pools.p.tls.cert: tls.key is given without tls.cert");
  expect(() => run({ cert: "client.crt", key: "other.key" })).toThrow("pools.p.tls.key: other.key does not match client.crt");
  opensslOk(dir, "genrsa", "-aes256", "-passout", "pass:x", "-out", "enc.key", "2048");
  expect(() => run({ cert: "client.crt", key: "enc.key" })).toThrow("pools.p.tls.key: enc.key is encrypted; give its passphrase as tls.passphraseFile, or decrypt it with: proxy cert key --decrypt --in enc.key --out client.key --passphrase-file FILE");
  expect(() => run({ cert: "missing.crt", key: "client.key" })).toThrow("pools.p.tls.cert: cannot read missing.crt");
  expect(() => run({ cert: "client.crt", key: "missing.key" })).toThrow(/^pools\.p\.tls\.key: cannot read missing\.key: [^\n]*$/);
});

test("a key file given as the certificate, or a DER certificate, says what it is", () => {
  expect(() => run({ cert: "client.key", key: "client.key" })).toThrow("pools.p.tls.cert: client.key: certificate: no PEM CERTIFICATE block found");
  write(dir, "client.pem", client.certPem);
  opensslOk(dir, "x509", "-in", "client.pem", "-outform", "der", "-out", "client.der");
  expect(() => run({ cert: "client.der", key: "client.key" })).toThrow("pools.p.tls.cert: client.der is DER (binary), not PEM");
});

test("an expired client certificate warns: members that check it refuse the handshake", () => {
  const { warnings } = run({ cert: "client.crt", key: "client.key" }, Date.now() + 800 * 86_400_000);
  expect(warnings).toEqual([expect.stringMatching(/^pools\.p\.tls\.cert: client\.crt: expired on .*; members that check client certificates refuse the handshake$/)]);
});

test("a truncated intermediate, a file with several keys, a DER key and an intermediate-first chain are refused with the fix", () => {
  write(dir, "cut.crt", client.certPem + ca.certPem.slice(0, 200));
  expect(() => run({ cert: "cut.crt", key: "client.key" })).toThrow("pools.p.tls.cert: cut.crt: the BEGIN CERTIFICATE block has no END line");
  write(dir, "multi.pem", other.certPem + other.keyPem + client.certPem + client.keyPem);
  expect(() => run({ cert: "multi.pem", key: "multi.pem" })).toThrow("pools.p.tls.key: multi.pem holds 2 private keys; give the one client certificate and key this pool presents");
  opensslOk(dir, "pkey", "-in", "client.key", "-outform", "der", "-out", "client-key.der");
  expect(() => run({ cert: "client.crt", key: "client-key.der" })).toThrow("pools.p.tls.key: client-key.der is DER (binary), not PEM; convert it with: openssl pkey -inform der");
  write(dir, "rev.crt", ca.certPem + client.certPem);
  expect(() => run({ cert: "rev.crt", key: "client.key" })).toThrow("pools.p.tls.cert: rev.crt: the key client.key belongs to certificate 2 in this file, not the first; put the client certificate first");
});

test("a client certificate not valid yet, or expiring within 30 days, warns", async () => {
  const soon = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "soon", sans: ["soon.example.com"], days: 10 });
  write(dir, "soon.crt", soon.certPem);
  write(dir, "soon.key", soon.keyPem);
  expect(run({ cert: "soon.crt", key: "soon.key" }).warnings).toEqual([expect.stringMatching(/^pools\.p\.tls\.cert: soon\.crt: expires in 10 days \(.*\); renew it$/)]);
  expect(run({ cert: "client.crt", key: "client.key" }, Date.now() - 2 * 86_400_000).warnings).toEqual([expect.stringMatching(/^pools\.p\.tls\.cert: client\.crt: not valid before .* \(is a clock wrong\?\); members refuse it until then$/)]);
});

test("an encrypted client key opens with passphrase or passphraseFile (its first line, NGINX proxy_ssl_password_file); the dialer gets it decrypted", () => {
  const enc = encryptPrivateKeyPem(client.keyPem, "s3cret pass");
  write(dir, "client-enc.key", enc);
  write(dir, "client.pass", "s3cret pass\nan older one\n");
  write(dir, "wrong.pass", "nope\n");
  for (const given of [{ passphraseFile: "client.pass" }, { passphrase: "s3cret pass" }]) {
    const { files } = run({ cert: "client.crt", key: "client-enc.key", ...given });
    expect(files.key).toStartWith("-----BEGIN PRIVATE KEY-----");
    expect(files.key).toBe(run({ cert: "client.crt", key: "client.key" }).files.key);
  }
  expect(() => run({ cert: "client.crt", key: "client-enc.key", passphraseFile: "wrong.pass" })).toThrow("pools.p.tls.passphraseFile: the passphrase does not decrypt client-enc.key");
  expect(() => run({ cert: "client.crt", key: "client-enc.key", passphrase: "nope" })).toThrow("pools.p.tls.passphrase: the passphrase does not decrypt client-enc.key");
  expect(() => run({ cert: "client.crt", key: "client-enc.key", passphraseFile: "missing.pass" })).toThrow("pools.p.tls.passphraseFile: cannot read missing.pass");
  expect(() => run({ cert: "client.crt", key: "client-enc.key", passphrase: "x", passphraseFile: "client.pass" })).toThrow("pools.p.tls.passphraseFile: give passphrase or passphraseFile, not both");
  expect(() => run({ ca: "ca.crt", passphraseFile: "client.pass" })).toThrow("pools.p.tls.passphraseFile: tls.passphraseFile is given without tls.key: it is the passphrase of the client certificate's key");
});

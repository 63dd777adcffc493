import { expect, test } from "bun:test";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { loadListenerTls } from "../../src/tls/listener-tls.ts";
import { opensslOk, tempDir, write } from "./openssl.ts";
import { captureEvents, runtimeIn, tlsConfig } from "./tls-fixtures.ts";

const dir = tempDir();
const ca = await createCA({ cn: "Listener Test CA" });
const inter = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "not really an intermediate", sans: [] });
const a = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["a.example.com", "*.b.example.com", "10.0.0.5"] });
const other = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "other.example.com", sans: ["other.example.com"] });
write(dir, "a.crt", a.certPem);
write(dir, "a.key", a.keyPem);
write(dir, "inter.crt", inter.certPem);
write(dir, "other.crt", other.certPem);
write(dir, "other.key", other.keyPem);
const ipOnly = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "10.0.0.9", sans: ["10.0.0.9"] });
write(dir, "ip.crt", ipOnly.certPem);
write(dir, "ip.key", ipOnly.keyPem);
const aRsa = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.example.com", sans: ["a.example.com"], keyType: "rsa" });
write(dir, "a-rsa.crt", aRsa.certPem);
write(dir, "a-rsa.key", aRsa.keyPem);
const ipRsa = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "10.0.0.9", sans: ["10.0.0.9"], keyType: "rsa" });
write(dir, "ip-rsa.crt", ipRsa.certPem);
write(dir, "ip-rsa.key", ipRsa.keyPem);
// Operators' encrypted keys come from openssl, not from us.
opensslOk(dir, "genrsa", "-des3", "-traditional", "-passout", "pass:wso2carbon", "-out", "legacy.key", "2048");
opensslOk(dir, "req", "-x509", "-new", "-key", "legacy.key", "-passin", "pass:wso2carbon", "-subj", "/CN=legacy.example.com", "-addext", "subjectAltName=DNS:legacy.example.com", "-days", "365", "-out", "legacy.crt");
opensslOk(dir, "genrsa", "-aes256", "-passout", "pass:wso2carbon", "-out", "aes.key", "2048");
opensslOk(dir, "req", "-x509", "-new", "-key", "aes.key", "-passin", "pass:wso2carbon", "-subj", "/CN=aes.example.com", "-addext", "subjectAltName=DNS:aes.example.com", "-days", "10", "-out", "aes.crt");
write(dir, "pass", "wso2carbon\n");

async function load(tls: object) {
  const { events, lines } = captureEvents();
  const map = await loadListenerTls(runtimeIn(dir, tlsConfig(tls)), events);
  return { setup: map.get(0)!, lines };
}

test("SNI names come from the SANs and CN (IPs skipped); the first certificate's entries come first", async () => {
  const { setup } = await load({ certificates: [{ cert: "a.crt", key: "a.key" }, { cert: "other.crt", key: "other.key" }] });
  expect(setup.entries.map((e) => e.serverName)).toEqual(["a.example.com", "*.b.example.com", "other.example.com"]);
  expect(setup.entries[0]!.cert).toBe(a.certPem.trimEnd() + "\n");
  expect(setup.entries[2]!.cert).toBe(other.certPem.trimEnd() + "\n");
  expect(setup.entries[0]!.secureOptions).toBeUndefined();
});

test("a certificate naming only IP addresses is never served unless it is first: a warning says so", async () => {
  const { lines } = await load({ certificates: [{ cert: "a.crt", key: "a.key" }, { cert: "ip.crt", key: "ip.key" }] });
  expect(lines.filter((l) => l.includes("certificates[1]: names no host SNI can ask for"))).toHaveLength(1);
  const first = await load({ certificates: [{ cert: "ip.crt", key: "ip.key" }, { cert: "a.crt", key: "a.key" }] });
  expect(first.lines.filter((l) => l.includes("names no host SNI"))).toEqual([]);
});

test("serverNames overrides the names from the certificate", async () => {
  const { setup } = await load({ certificates: [{ cert: "a.crt", key: "a.key", serverNames: ["x.test"] }] });
  expect(setup.entries.map((e) => e.serverName)).toEqual(["x.test"]);
});

test("serverNames written with capitals match any case: they are kept lower-case, as SNI compares them", async () => {
  const { setup } = await load({ certificates: [{ cert: "a.crt", key: "a.key", serverNames: ["Mixed.Test", "*.Other.TEST"] }] });
  expect(setup.entries.map((e) => e.serverName)).toEqual(["mixed.test", "*.other.test"]);
});

test("chain is appended to the certificate", async () => {
  const { setup } = await load({ certificates: [{ cert: "a.crt", key: "a.key", chain: "inter.crt" }] });
  expect(setup.entries[0]!.cert).toBe(a.certPem.trimEnd() + "\n" + inter.certPem.trimEnd() + "\n");
});

test("openssl genrsa -des3 key with passphraseFile; -aes256 key with passphraseCommand; keys end up plain PKCS#8", async () => {
  const { setup, lines } = await load({
    certificates: [
      { cert: "legacy.crt", key: "legacy.key", passphraseFile: "pass" },
      { cert: "aes.crt", key: "aes.key", passphraseCommand: "cat pass" },
    ],
  });
  expect(setup.entries.map((e) => e.serverName)).toEqual(["legacy.example.com", "aes.example.com"]);
  for (const e of setup.entries) expect(e.key).toStartWith("-----BEGIN PRIVATE KEY-----");
  // aes.crt lives 10 days: an expiry warning at start naming the file.
  expect(lines.some((l) => l.startsWith("warn listeners[0].tls.certificates[1].cert: aes.crt: expires in"))).toBe(true);
});

test("wrong passphrase: error names the JSON path and the key file", async () => {
  await expect(load({ certificates: [{ cert: "legacy.crt", key: "legacy.key", passphrase: "nope" }] })).rejects.toThrow("listeners[0].tls.certificates[0].key: legacy.key: cannot decrypt: wrong passphrase");
});

test("encrypted key without a passphrase says how to give one", async () => {
  await expect(load({ certificates: [{ cert: "legacy.crt", key: "legacy.key" }] })).rejects.toThrow("set passphrase, passphraseFile or passphraseCommand");
});

test("a key that does not match its certificate names both files; every problem is listed at once", async () => {
  const p = load({ certificates: [{ cert: "a.crt", key: "other.key" }, { cert: "missing.crt", key: "a.key" }] });
  await expect(p).rejects.toThrow("2 TLS problems");
  await expect(p).rejects.toThrow("listeners[0].tls.certificates[0].key: other.key does not match a.crt");
  await expect(p).rejects.toThrow("listeners[0].tls.certificates[1].cert: cannot read missing.crt: ENOENT");
});

test("a certificate file with the intermediate first says so, instead of 'key does not match'", async () => {
  write(dir, "inter-first.crt", inter.certPem + a.certPem);
  await expect(load({ certificates: [{ cert: "inter-first.crt", key: "a.key" }] })).rejects.toThrow("listeners[0].tls.certificates[0].cert: inter-first.crt: the key a.key belongs to certificate 2 in this file, not the first; put the server certificate first");
});

test("an ECDSA and an RSA certificate for one name share its entry (NGINX's two ssl_certificate lines); a second one of the same key type warns", async () => {
  const { setup, lines } = await load({ certificates: [{ cert: "a.crt", key: "a.key" }, { cert: "a-rsa.crt", key: "a-rsa.key" }, { cert: "a.crt", key: "a.key" }] });
  expect(setup.entries.map((e) => e.serverName)).toEqual(["a.example.com", "*.b.example.com"]);
  expect(setup.entries[0]!.cert).toEqual([a.certPem.trimEnd() + "\n", aRsa.certPem.trimEnd() + "\n"]);
  expect((setup.entries[0]!.key as string[]).length).toBe(2);
  expect(setup.entries[1]!.cert).toBe(a.certPem.trimEnd() + "\n");
  expect(lines).toContainEqual(expect.stringContaining("certificates[2]: a.example.com is already served by certificates[0] (same key type, ec); the first one wins"));
});

test("the warning for a second certificate of one key type names the one of that type, not the first of the name", async () => {
  const { lines } = await load({ certificates: [{ cert: "a-rsa.crt", key: "a-rsa.key" }, { cert: "a.crt", key: "a.key" }, { cert: "a.crt", key: "a.key" }] });
  expect(lines).toContainEqual(expect.stringContaining("certificates[2]: a.example.com is already served by certificates[1] (same key type, ec)"));
});

test("an RSA and an ECDSA certificate that name only IP addresses are both the default", async () => {
  const { setup, lines } = await load({ certificates: [{ cert: "ip.crt", key: "ip.key" }, { cert: "ip-rsa.crt", key: "ip-rsa.key" }] });
  expect(setup.entries).toHaveLength(1);
  expect(setup.entries[0]!.serverName).toBeUndefined();
  expect(setup.entries[0]!.cert).toEqual([ipOnly.certPem.trimEnd() + "\n", ipRsa.certPem.trimEnd() + "\n"]);
  expect(lines.filter((l) => l.includes("never served"))).toEqual([]);
});

test("a PKCS#12 or truncated certificate, a DER key and a secp256k1 certificate are each named, with the fix, in one error", async () => {
  opensslOk(dir, "pkcs12", "-export", "-in", "a.crt", "-inkey", "a.key", "-out", "a.pfx", "-passout", "pass:x");
  opensslOk(dir, "pkey", "-in", "a.key", "-outform", "der", "-out", "a-key.der");
  opensslOk(dir, "ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", "k1.key");
  opensslOk(dir, "req", "-x509", "-key", "k1.key", "-out", "k1.crt", "-subj", "/CN=k1.example.com", "-days", "5");
  write(dir, "cut.crt", a.certPem.slice(0, 200));
  const p = load({ certificates: [{ cert: "a.pfx", key: "a.key" }, { cert: "cut.crt", key: "a.key" }, { cert: "a.crt", key: "a-key.der" }, { cert: "k1.crt", key: "k1.key" }] });
  await expect(p).rejects.toThrow("4 TLS problems");
  const m = await p.catch((e: Error) => e.message);
  expect(m).toContain("certificates[0].cert: a.pfx is a PKCS#12 (.pfx/.p12) bundle, not PEM; split it with: openssl pkcs12 -in a.pfx -nokeys -out cert.pem");
  expect(m).toContain("certificates[1].cert: cut.crt: the BEGIN CERTIFICATE block has no END line");
  expect(m).toContain("certificates[2].key: a-key.der is DER (binary), not PEM; convert it with: openssl pkey -inform der -in a-key.der -out key.pem");
  expect(m).toContain("certificates[3].cert: k1.crt: the key is on secp256k1, which TLS does not use");
});

test("a truncated intermediate after the server certificate, or in chain, is found at load (proxy check too), naming the file", async () => {
  write(dir, "a-cut-inter.crt", a.certPem + inter.certPem.slice(0, 200));
  write(dir, "cut-chain.pem", inter.certPem.slice(0, 200));
  const p = load({ certificates: [{ cert: "a-cut-inter.crt", key: "a.key" }, { cert: "a.crt", key: "a.key", chain: "cut-chain.pem" }] });
  const m = await p.catch((e: Error) => e.message);
  expect(m).toContain("certificates[0].cert: a-cut-inter.crt: the BEGIN CERTIFICATE block has no END line");
  expect(m).toContain("certificates[1].chain: cut-chain.pem: the BEGIN CERTIFICATE block has no END line");
});

test("a byte order mark before the PEM (Windows editors) is ignored", async () => {
  write(dir, "bom.crt", "\uFEFF" + a.certPem);
  write(dir, "bom.key", "\uFEFF" + a.keyPem);
  const { setup } = await load({ certificates: [{ cert: "bom.crt", key: "bom.key" }] });
  expect(setup.entries[0]!.cert).toBe(a.certPem.trimEnd() + "\n");
});

test("minVersion TLSv1.3 switches TLS 1.2 off on every entry; real clients agree", async () => {
  const { setup } = await load({ certificates: [{ cert: "a.crt", key: "a.key" }], minVersion: "TLSv1.3" });
  for (const e of setup.entries) expect(e.secureOptions).toBeGreaterThan(0);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: setup.entries, fetch: () => new Response("ok") });
  const port = server.port!;
  write(dir, "ca.crt", ca.certPem);
  const handshake = async (v: string) => {
    const p = Bun.spawn(["openssl", "s_client", v, "-connect", `127.0.0.1:${port}`, "-servername", "a.example.com", "-CAfile", "ca.crt", "-verify_return_error"], { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const out = await new Response(p.stdout).text();
    return { code: await p.exited, protocol: /Protocol\s*:\s*(\S+)|New, (TLSv[\d.]+)/.exec(out)?.slice(1).find(Boolean) };
  };
  try {
    expect((await handshake("-tls1_2")).code).not.toBe(0);
    expect(await handshake("-tls1_3")).toEqual({ code: 0, protocol: "TLSv1.3" });
  } finally {
    server.stop(true);
  }
});

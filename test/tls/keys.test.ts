import { describe, expect, test } from "bun:test";
import { decryptPrivateKeyPem, encryptPrivateKeyPem, generateKeyPair, importSigningKey, loadPrivateKey, privateKeyToPem } from "../../src/tls/keys.ts";
import { keyMatchesCert } from "../../src/tls/inspect.ts";
import { openssl, opensslOk, read, tempDir, write } from "./openssl.ts";

const dir = tempDir();

// Each case: how openssl made the key, its passphrase, and the PEM header it must carry,
// so the test proves we really exercised that format.
const cases: [string, string[], string | undefined, RegExp][] = [
  ["genrsa -des3 (OpenSSL 3 default: PKCS#8 PBES2)", ["genrsa", "-des3", "-passout", "pass:wso2carbon", "2048"], "wso2carbon", /BEGIN ENCRYPTED PRIVATE KEY/],
  ["genrsa -traditional -des3 (legacy DES-EDE3-CBC)", ["genrsa", "-traditional", "-des3", "-passout", "pass:wso2carbon", "2048"], "wso2carbon", /DEK-Info: DES-EDE3-CBC/],
  ["genrsa -traditional -aes256 (legacy AES-256-CBC)", ["genrsa", "-traditional", "-aes256", "-passout", "pass:x", "2048"], "x", /DEK-Info: AES-256-CBC/],
  ["genrsa -traditional -aes128 (legacy AES-128-CBC)", ["genrsa", "-traditional", "-aes128", "-passout", "pass:x", "2048"], "x", /DEK-Info: AES-128-CBC/],
  ["genpkey EC P-256 -aes256 (PKCS#8)", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:x"], "x", /BEGIN ENCRYPTED PRIVATE KEY/],
  ["genrsa -traditional (PKCS#1 unencrypted)", ["genrsa", "-traditional", "2048"], undefined, /BEGIN RSA PRIVATE KEY/],
  ["ecparam -genkey (SEC1 unencrypted)", ["ecparam", "-name", "prime256v1", "-genkey", "-noout"], undefined, /BEGIN EC PRIVATE KEY/],
];

describe("decryptPrivateKeyPem on keys made by openssl", () => {
  cases.forEach(([name, args, pass, header], i) => {
    test(name, async () => {
      opensslOk(dir, args[0] ?? "", "-out", `k${i}.key`, ...args.slice(1));
      const pem = read(dir, `k${i}.key`);
      expect(pem).toMatch(header);
      const passin = pass === undefined ? [] : ["-passin", `pass:${pass}`];
      opensslOk(dir, "req", "-x509", "-new", "-key", `k${i}.key`, ...passin, "-subj", "/CN=k", "-days", "1", "-out", `k${i}.crt`);
      const plain = await decryptPrivateKeyPem(pem, pass);
      expect(plain).toStartWith("-----BEGIN PRIVATE KEY-----");
      expect(await keyMatchesCert(read(dir, `k${i}.crt`), plain)).toBe(true);
      // and the key is usable for signing with WebCrypto
      await importSigningKey(plain);
    });
  });

  test("PKCS#8 PBES2 with DES-EDE3-CBC and hmacWithSHA1", async () => {
    opensslOk(dir, "genrsa", "-traditional", "-out", "p1.key", "2048");
    opensslOk(dir, "pkcs8", "-topk8", "-in", "p1.key", "-v2", "des3", "-v2prf", "hmacWithSHA1", "-passout", "pass:s3cret", "-out", "p8.key");
    const plain = await decryptPrivateKeyPem(read(dir, "p8.key"), "s3cret");
    const want = opensslOk(dir, "pkey", "-in", "p1.key", "-pubout");
    write(dir, "p8.plain", plain);
    expect(opensslOk(dir, "pkey", "-in", "p8.plain", "-pubout")).toBe(want);
  });

  test("wrong passphrase gives a clear error, for legacy and PKCS#8", async () => {
    opensslOk(dir, "genrsa", "-traditional", "-des3", "-passout", "pass:wso2carbon", "-out", "w1.key", "2048");
    opensslOk(dir, "genrsa", "-aes256", "-passout", "pass:wso2carbon", "-out", "w2.key", "2048");
    for (const f of ["w1.key", "w2.key"]) {
      await expect(decryptPrivateKeyPem(read(dir, f), "nope")).rejects.toThrow("cannot decrypt: wrong passphrase");
      await expect(decryptPrivateKeyPem(read(dir, f))).rejects.toThrow("key is encrypted: a passphrase is needed");
    }
  });

  test("not a key: names what it found", async () => {
    await expect(decryptPrivateKeyPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).rejects.toThrow("found CERTIFICATE");
  });
});

describe("our own keys", () => {
  test("encryptPrivateKeyPem output is PKCS#8 PBES2 AES-256 that openssl pkey reads", async () => {
    const keys = await generateKeyPair("ec");
    const plain = await privateKeyToPem(keys.privateKey);
    const enc = encryptPrivateKeyPem(plain, "pa ss");
    expect(enc).toStartWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    write(dir, "own.key", enc);
    write(dir, "own.plain", plain);
    write(dir, "own.pass", "pa ss\n");
    const text = opensslOk(dir, "asn1parse", "-in", "own.key");
    expect(text).toContain("PBES2");
    expect(text).toContain("aes-256-cbc");
    expect(openssl(dir, "pkey", "-in", "own.key", "-passin", "pass:wrong", "-noout").code).not.toBe(0);
    expect(opensslOk(dir, "pkey", "-in", "own.key", "-passin", "file:own.pass", "-pubout")).toBe(opensslOk(dir, "pkey", "-in", "own.plain", "-pubout"));
    // round trip through our own decryptor
    expect(await decryptPrivateKeyPem(enc, "pa ss")).toBe(await decryptPrivateKeyPem(plain));
  });

  test("RSA generation honours the bit size", async () => {
    const keys = await generateKeyPair("rsa", 3072);
    write(dir, "rsa3072.key", await privateKeyToPem(keys.privateKey));
    expect(opensslOk(dir, "pkey", "-in", "rsa3072.key", "-noout", "-text")).toContain("3072 bit");
  });
});

test("a secp256k1 key (openssl ecparam -name secp256k1) is refused by curve, not called damaged", () => {
  opensslOk(dir, "ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", "k1.key");
  expect(() => loadPrivateKey(read(dir, "k1.key"), undefined, "k1.key")).toThrow("k1.key: the key is on secp256k1, which TLS does not use");
  write(dir, "bad.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  expect(() => loadPrivateKey(read(dir, "bad.key"), undefined, "bad.key")).toThrow("bad.key: not a valid PRIVATE KEY (damaged file?)");
});

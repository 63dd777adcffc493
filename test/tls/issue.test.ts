import { afterAll, describe, expect, test } from "bun:test";
import { CA_DAYS, LEAF_DAYS, createCA, createCsr, issueLeaf, sanProblem, selfSigned, signCsr } from "../../src/tls/issue.ts";
import { x509 } from "../../src/tls/x509.ts";
import { decryptPrivateKeyPem, generateKeyPair, privateKeyToPem } from "../../src/tls/keys.ts";
import { summarize } from "../../src/tls/inspect.ts";
import { openssl, opensslOk, read, tempDir, write } from "./openssl.ts";

const dir = tempDir();
const ca = await createCA({ cn: "Edge Test CA" });
write(dir, "ca.crt", ca.certPem);
const DAY = 86_400_000;

describe("createCA", () => {
  test("is a CA with critical basicConstraints and keyUsage, and a SKI", async () => {
    const text = opensslOk(dir, "x509", "-in", "ca.crt", "-noout", "-text");
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain("Subject Key Identifier");
    expect(text).toContain("ASN1 OID: prime256v1");
    const s = await summarize(ca.certPem);
    expect(Math.round((s.notAfter.getTime() - Date.now()) / DAY)).toBe(CA_DAYS);
  });

  test("RSA CA on request", async () => {
    const rsa = await createCA({ cn: "RSA CA", keyType: "rsa", days: 30 });
    expect((await summarize(rsa.certPem)).keyType).toBe("RSA");
    expect((await summarize(rsa.certPem)).keySize).toBe(2048);
  });
});

describe("issueLeaf", () => {
  test("openssl verifies it against the CA; SANs, usages and serial are right", async () => {
    const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "sso.example.com", sans: ["sso.example.com", "10.0.0.5"], keyType: "rsa" });
    write(dir, "leaf.crt", leaf.certPem);
    expect(opensslOk(dir, "verify", "-CAfile", "ca.crt", "leaf.crt")).toContain("leaf.crt: OK");
    const text = opensslOk(dir, "x509", "-in", "leaf.crt", "-noout", "-text");
    expect(text).toContain("DNS:sso.example.com, IP Address:10.0.0.5");
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toContain("TLS Web Server Authentication");
    expect(text).toContain("Authority Key Identifier");
    const serial = opensslOk(dir, "x509", "-in", "leaf.crt", "-noout", "-serial").trim().replace("serial=", "");
    expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);
    const s = await summarize(leaf.certPem);
    expect(Math.round((s.notAfter.getTime() - Date.now()) / DAY)).toBe(LEAF_DAYS);
  });

  test("the CN becomes the SAN when none are given; EC leaves have no keyEncipherment", async () => {
    const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "only-cn.example.com", sans: [] });
    write(dir, "cn.crt", leaf.certPem);
    const text = opensslOk(dir, "x509", "-in", "cn.crt", "-noout", "-text");
    expect(text).toContain("DNS:only-cn.example.com");
    expect(text).not.toContain("Key Encipherment");
  });

  test("a CN that is no host name (a client certificate's \"Jane Doe\") is not made a SAN: the certificate and a CSR have none", async () => {
    const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "bad name!", sans: [] });
    write(dir, "person.crt", leaf.certPem);
    expect(opensslOk(dir, "x509", "-in", "person.crt", "-noout", "-text")).not.toContain("Subject Alternative Name");
    expect(opensslOk(dir, "verify", "-CAfile", "ca.crt", "person.crt")).toContain("OK");
    write(dir, "person.csr", await createCsr({ cn: "Jane Doe", sans: [], keyPem: leaf.keyPem }));
    const csr = opensslOk(dir, "req", "-in", "person.csr", "-noout", "-text", "-verify");
    expect(csr).not.toContain("Subject Alternative Name");
    expect(csr).toContain("CN = Jane Doe");
  });

  test("signs with an openssl-made, des3-encrypted legacy CA key (the seeds' recipe)", async () => {
    opensslOk(dir, "genrsa", "-traditional", "-des3", "-passout", "pass:wso2carbon", "-out", "oca.key", "2048");
    opensslOk(dir, "req", "-new", "-x509", "-days", "365", "-key", "oca.key", "-passin", "pass:wso2carbon", "-subj", "/CN=Old CA", "-out", "oca.crt");
    const opts = { caCertPem: read(dir, "oca.crt"), caKeyPem: read(dir, "oca.key"), cn: "a.example.com", sans: [] };
    const leaf = await issueLeaf({ ...opts, caPassphrase: "wso2carbon" });
    write(dir, "oleaf.crt", leaf.certPem);
    expect(opensslOk(dir, "verify", "-CAfile", "oca.crt", "oleaf.crt")).toContain("OK");
    await expect(issueLeaf({ ...opts, caPassphrase: "bad" })).rejects.toThrow("CA key: cannot decrypt: wrong passphrase");
  });

  test("refuses a CA key that does not match, and a non-CA certificate", async () => {
    const other = await createCA({ cn: "Other" });
    await expect(issueLeaf({ caCertPem: ca.certPem, caKeyPem: other.keyPem, cn: "x", sans: [] })).rejects.toThrow("CA key does not belong");
    const ss = await selfSigned({ cn: "x", sans: [] });
    await expect(issueLeaf({ caCertPem: ss.certPem, caKeyPem: ss.keyPem, cn: "x", sans: [] })).rejects.toThrow("not a CA");
  });
});

describe("CSRs", () => {
  test("a CSR from `openssl req -new` (no SAN) is signed, with the CN added as SAN", async () => {
    opensslOk(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "o.key", "-subj", "/O=WSO2/CN=identity.example.com", "-out", "o.csr");
    write(dir, "o.crt", await signCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: read(dir, "o.csr") }));
    expect(opensslOk(dir, "verify", "-CAfile", "ca.crt", "o.crt")).toContain("o.crt: OK");
    const text = opensslOk(dir, "x509", "-in", "o.crt", "-noout", "-text");
    expect(text).toContain("DNS:identity.example.com");
    expect(text).toMatch(/Subject: O ?= ?WSO2, CN ?= ?identity.example.com/);
  });

  test("createCsr output passes `openssl req -verify` and its SANs survive signing", async () => {
    const key = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "k", sans: [] });
    write(dir, "n.csr", await createCsr({ cn: "api.example.com", sans: ["api.example.com", "192.168.1.9"], keyPem: key.keyPem }));
    expect(opensslOk(dir, "req", "-in", "n.csr", "-verify", "-noout")).toContain("verify OK");
    write(dir, "n.crt", await signCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: read(dir, "n.csr"), days: 10 }));
    expect(opensslOk(dir, "verify", "-CAfile", "ca.crt", "n.crt")).toContain("OK");
    expect(opensslOk(dir, "x509", "-in", "n.crt", "-noout", "-ext", "subjectAltName")).toContain("DNS:api.example.com, IP Address:192.168.1.9");
  });
});

describe("CSRs with other SANs", () => {
  test("email and URI SANs of an openssl CSR are kept beside its DNS name (as openssl x509 -copy_extensions copy)", async () => {
    opensslOk(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "e.key", "-subj", "/CN=svc.example.com", "-addext", "subjectAltName=DNS:svc.example.com,email:ops@example.com,URI:spiffe://example.com/svc", "-out", "e.csr");
    write(dir, "e.crt", await signCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: read(dir, "e.csr") }));
    expect(opensslOk(dir, "x509", "-in", "e.crt", "-noout", "-ext", "subjectAltName")).toContain("DNS:svc.example.com, email:ops@example.com, URI:spiffe://example.com/svc");
  });

  test("SAN kinds this library cannot read (SmtpUTF8Mailbox, a custom otherName) are copied byte for byte; a person's CN is never made a DNS name", async () => {
    opensslOk(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "s.key", "-subj", "/CN=Jane Doe", "-addext", "subjectAltName=otherName:1.3.6.1.5.5.7.8.9;UTF8:jane@example.com,otherName:1.2.3.4.99;UTF8:custom", "-out", "s.csr");
    write(dir, "s.crt", await signCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: read(dir, "s.csr") }));
    expect(opensslOk(dir, "verify", "-CAfile", "ca.crt", "s.crt")).toContain("s.crt: OK");
    const san = opensslOk(dir, "x509", "-in", "s.crt", "-noout", "-ext", "subjectAltName");
    expect(san).toContain("jane@example.com");
    expect(san).toContain("custom");
    expect(san).not.toContain("DNS:");
  });

  test("with only an email SAN, a CN that is a host name is added as DNS name; a person's name is not", async () => {
    for (const [subj, want] of [["/CN=a.example.com", "DNS:a.example.com, email:a@example.com"], ["/CN=Jane Doe", "email:a@example.com"]] as const) {
      opensslOk(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "m.key", "-subj", subj, "-addext", "subjectAltName=email:a@example.com", "-out", "m.csr");
      write(dir, "m.crt", await signCsr({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem: read(dir, "m.csr") }));
      expect(opensslOk(dir, "x509", "-in", "m.crt", "-noout", "-ext", "subjectAltName").split("\n")[1]!.trim()).toBe(want);
    }
  });
});

describe("HTTPS with an issued certificate", () => {
  const servers: { stop: (force?: boolean) => void }[] = [];
  afterAll(() => servers.forEach((s) => s.stop(true)));

  test("curl trusting only the CA accepts it for the SAN name, and rejects another CA", async () => {
    // Encrypted on disk like an operator's key, decrypted the way the proxy will at start.
    const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "sso.example.com", sans: ["sso.example.com"] });
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: { cert: leaf.certPem, key: await decryptPrivateKeyPem(leaf.keyPem) }, fetch: () => new Response("hello tls") });
    servers.push(server);
    const url = `https://sso.example.com:${server.port}/`;
    const resolve = `sso.example.com:${server.port}:127.0.0.1`;
    const curl = async (cafile: string) => {
      const p = Bun.spawn(["curl", "-sS", "--cacert", cafile, "--resolve", resolve, url], { cwd: dir, stdout: "pipe", stderr: "pipe" });
      return { code: await p.exited, out: await new Response(p.stdout).text() };
    };
    expect(await curl("ca.crt")).toEqual({ code: 0, out: "hello tls" });
    const other = await createCA({ cn: "Untrusted" });
    write(dir, "other.crt", other.certPem);
    expect((await curl("other.crt")).code).toBe(60); // peer certificate cannot be authenticated
    const res = await fetch(`https://127.0.0.1:${server.port}/`, { tls: { ca: ca.certPem, checkServerIdentity: () => undefined } });
    expect(await res.text()).toBe("hello tls");
  });

  test("a self-signed certificate is trusted when given as its own CA", async () => {
    const ss = await selfSigned({ cn: "self.example.com", sans: [] });
    write(dir, "ss.crt", ss.certPem);
    expect(openssl(dir, "verify", "-CAfile", "ss.crt", "ss.crt").out).toContain("OK");
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: { cert: ss.certPem, key: ss.keyPem }, fetch: () => new Response("self") });
    servers.push(server);
    const p = Bun.spawn(["curl", "-sS", "--cacert", "ss.crt", "--resolve", `self.example.com:${server.port}:127.0.0.1`, `https://self.example.com:${server.port}/`], { cwd: dir, stdout: "pipe" });
    expect(await p.exited).toBe(0);
    expect(await new Response(p.stdout).text()).toBe("self");
  });
});

describe("SAN names", () => {
  test("host names, wildcards and IPs pass; spaces, bangs, empty labels and edge hyphens do not", () => {
    for (const ok of ["sso.example.com", "*.example.com", "localhost", "10.0.0.5", "::1", "is-node1"]) expect(sanProblem(ok)).toBeUndefined();
    for (const bad of ["bad name!", "a..b", "-a.example.com", "a-.example.com", "*", "a.*.example.com", "x".repeat(64)]) expect(sanProblem(bad)).toContain("neither an IP address nor a DNS name");
  });
});

describe("intermediate CA", () => {
  test("createCA with a parent is a CA issued by it, pathLen 0, no longer-lived than the parent", async () => {
    const root = await createCA({ cn: "Root", days: 10 });
    const inter = await createCA({ cn: "Issuing", days: 3650, parent: { caCertPem: root.certPem, caKeyPem: root.keyPem } });
    const c = new x509.X509Certificate(inter.certPem);
    expect(c.issuer).toBe("CN=Root");
    expect(c.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: true, pathLength: 0 });
    expect(c.notAfter.getTime()).toBeLessThanOrEqual(new x509.X509Certificate(root.certPem).notAfter.getTime());
    expect(await c.verify({ publicKey: new x509.X509Certificate(root.certPem).publicKey })).toBe(true);
  });
});

describe("CAs that cannot sign", () => {
  test("an expired CA is refused with its end date, before any certificate is written", async () => {
    const keys = await generateKeyPair("ec", 2048);
    const old = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: "01", name: "CN=Lapsed CA", keys, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2021-01-01T00:00:00Z"),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const opts = { caCertPem: old.toString("pem"), caKeyPem: await privateKeyToPem(keys.privateKey) };
    await expect(issueLeaf({ ...opts, cn: "x.example.com", sans: [] })).rejects.toThrow("CA certificate CN=Lapsed CA: expired on 2021-01-01T00:00:00.000Z; renew it");
    await expect(createCA({ cn: "Sub", parent: opts })).rejects.toThrow("expired on 2021-01-01");
  });

  test("a pathlen:0 intermediate may issue leaves but not another CA", async () => {
    const root = await createCA({ cn: "Root" });
    const inter = await createCA({ cn: "Issuing", parent: { caCertPem: root.certPem, caKeyPem: root.keyPem } });
    const parent = { caCertPem: inter.certPem, caKeyPem: inter.keyPem };
    await expect(createCA({ cn: "Sub", parent })).rejects.toThrow("CA certificate CN=Issuing: has pathlen:0, so it may sign leaves only");
    expect((await issueLeaf({ ...parent, cn: "ok.example.com", sans: [] })).certPem).toStartWith("-----BEGIN CERTIFICATE-----");
  });
});

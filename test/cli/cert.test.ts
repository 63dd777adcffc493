import { describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCert } from "../../src/cli/cert.ts";
import { openssl, opensslOk, read, tempDir, write } from "../tls/openssl.ts";

const dir = tempDir();
const p = (f: string): string => join(dir, f);

async function cert(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCert(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("proxy cert ca / issue", () => {
  test("passphrase-protected CA, then a leaf that openssl verifies", async () => {
    write(dir, "ca.pass", "wso2carbon\n");
    const ca = await cert("ca", "--cn", "Ops CA", "--cert", p("ca.crt"), "--key", p("ca.key"), "--passphrase-file", p("ca.pass"));
    expect(ca).toMatchObject({ code: 0, err: "" });
    expect(read(dir, "ca.key")).toStartWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    expect(statSync(p("ca.key")).mode & 0o777).toBe(0o600);
    expect(openssl(dir, "pkey", "-in", "ca.key", "-passin", "file:ca.pass", "-noout").code).toBe(0);

    const r = await cert("issue", "--ca-cert", p("ca.crt"), "--ca-key", p("ca.key"), "--ca-passphrase-file", p("ca.pass"), "--cn", "sso.example.com", "--san", "sso.example.com,10.0.0.5", "--key-type", "rsa", "--cert", p("s.crt"), "--key", p("s.key"));
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(opensslOk(dir, "verify", "-CAfile", "ca.crt", "s.crt")).toContain("s.crt: OK");
    expect(opensslOk(dir, "x509", "-in", "s.crt", "-noout", "-ext", "subjectAltName")).toContain("DNS:sso.example.com, IP Address:10.0.0.5");
    expect(opensslOk(dir, "pkey", "-in", "s.key", "-noout", "-text")).toContain("2048 bit");
    expect(statSync(p("s.key")).mode & 0o777).toBe(0o600);
  });

  test("wrong or missing CA passphrase names the flag to fix", async () => {
    write(dir, "bad.pass", "nope\n");
    const base = ["issue", "--ca-cert", p("ca.crt"), "--ca-key", p("ca.key"), "--cn", "x", "--cert", p("x.crt"), "--key", p("x.key")];
    const wrong = await cert(...base, "--ca-passphrase-file", p("bad.pass"));
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`--ca-key ${p("ca.key")}: cannot decrypt: wrong passphrase (give --ca-passphrase-file)`);
    const missing = await cert(...base);
    expect(missing.err).toContain("a passphrase is needed (give --ca-passphrase-file)");
    expect(existsSync(p("x.key"))).toBe(false);
  });

  test("refuses to overwrite a key without --force", async () => {
    const before = read(dir, "s.key");
    const args = ["self-signed", "--cn", "a.example.com", "--cert", p("s.crt"), "--key", p("s.key")];
    const r = await cert(...args);
    expect(r.code).toBe(1);
    expect(r.err).toContain("already exists; refusing to overwrite a private key (give --force");
    expect(read(dir, "s.key")).toBe(before);
    expect((await cert(...args, "--force")).code).toBe(0);
    expect(read(dir, "s.key")).not.toBe(before);
    expect(opensslOk(dir, "verify", "-CAfile", "s.crt", "s.crt")).toContain("OK");
  });
});

describe("proxy cert csr / sign", () => {
  test("csr creates the key, sign copies the SANs; openssl verifies", async () => {
    const c = await cert("csr", "--cn", "api.example.com", "--san", "api.example.com,api2.example.com", "--key", p("api.key"), "--csr", p("api.csr"));
    expect(c.code).toBe(0);
    expect(c.out).toContain("wrote new key");
    expect(opensslOk(dir, "req", "-in", "api.csr", "-verify", "-noout")).toContain("verify OK");
    const s = await cert("sign", "--ca-cert", p("ca.crt"), "--ca-key", p("ca.key"), "--ca-passphrase-file", p("ca.pass"), "--csr", p("api.csr"), "--days", "30", "--cert", p("api.crt"));
    expect(s).toMatchObject({ code: 0, err: "" });
    expect(opensslOk(dir, "verify", "-CAfile", "ca.crt", "api.crt")).toContain("OK");
    expect(opensslOk(dir, "x509", "-in", "api.crt", "-noout", "-ext", "subjectAltName")).toContain("DNS:api.example.com, DNS:api2.example.com");
    // the key on disk is the one certified
    const certPub = opensslOk(dir, "x509", "-in", "api.crt", "-noout", "-pubkey");
    expect(opensslOk(dir, "pkey", "-in", "api.key", "-pubout")).toBe(certPub);
  });

  test("csr reuses an existing encrypted openssl key (genrsa -des3)", async () => {
    opensslOk(dir, "genrsa", "-traditional", "-des3", "-passout", "pass:wso2carbon", "-out", "old.key", "2048");
    const c = await cert("csr", "--cn", "old.example.com", "--key", p("old.key"), "--passphrase-file", p("ca.pass"), "--csr", p("old.csr"));
    expect(c).toMatchObject({ code: 0, err: "" });
    expect(c.out).not.toContain("new key");
    const csrPub = opensslOk(dir, "req", "-in", "old.csr", "-noout", "-pubkey");
    expect(opensslOk(dir, "pkey", "-in", "old.key", "-passin", "pass:wso2carbon", "-pubout")).toBe(csrPub);
  });
});

describe("proxy cert inspect", () => {
  test("shows chains, warns on a 1024-bit key without SAN, reads CSRs and keys", async () => {
    opensslOk(dir, "genrsa", "-traditional", "-out", "weak.key", "1024");
    opensslOk(dir, "req", "-x509", "-new", "-key", "weak.key", "-subj", "/CN=weak.example.com", "-days", "10", "-out", "weak.crt");
    write(dir, "chain.pem", read(dir, "s.crt") + read(dir, "ca.crt"));
    const r = await cert("inspect", p("weak.crt"), p("chain.pem"), p("api.csr"), p("weak.key"));
    expect(r.code).toBe(0);
    expect(r.out).toContain("WARNING:  weak key: RSA 1024 bits");
    expect(r.out).toContain("WARNING:  no subjectAltName");
    expect(r.out).toContain("WARNING:  expires in 9 days");
    expect(r.out).toContain("[2/2]");
    expect(r.out).toContain("CN=Ops CA");
    expect(r.out).toContain("CSR subject: CN=api.example.com");
    expect(r.out).toContain("private key: RSA 1024");
    const missing = await cert("inspect", p("nope.crt"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("cannot read (ENOENT)");
  });
});

describe("usage", () => {
  test("help lists commands; each command has help; usage errors exit 2", async () => {
    const top = await cert("--help");
    expect(top.code).toBe(0);
    for (const c of ["ca", "issue", "self-signed", "csr", "sign", "inspect"]) expect(top.out).toContain(`  ${c} `);
    const h = await cert("issue", "--help");
    expect(h.out).toContain("usage: proxy cert issue --ca-cert");
    const miss = await cert("issue", "--cn", "x");
    expect(miss.code).toBe(2);
    expect(miss.err).toContain("missing --ca-cert, --ca-key, --cert, --key");
    expect((await cert("ca", "--cn", "x", "--cert", "a", "--key", "b", "--key-type", "dsa")).err).toContain("--key-type dsa: use ec or rsa");
    expect((await cert("ca", "--bogus")).err).toContain("unknown option --bogus");
    expect((await cert("frobnicate")).code).toBe(2);
  });
});

describe("SAN values", () => {
  test("a SAN that is neither an IP nor a DNS name is refused and nothing is written", async () => {
    const r = await cert("self-signed", "--cn", "x", "--san", "ok.example.com,bad name!", "--cert", p("bad-san.crt"), "--key", p("bad-san.key"));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('--san "bad name!" is neither an IP address nor a DNS name');
    expect(existsSync(p("bad-san.crt"))).toBe(false);
    expect(existsSync(p("bad-san.key"))).toBe(false);
  });

  test("DNS names, a leading wildcard and IPs are accepted", async () => {
    const r = await cert("self-signed", "--cn", "x", "--san", "*.yenlo.com,sso-1.yenlo.com,10.0.0.5,::1", "--cert", p("good-san.crt"), "--key", p("good-san.key"));
    expect(r).toMatchObject({ code: 0, err: "" });
    const text = openssl(dir, "x509", "-in", "good-san.crt", "-noout", "-ext", "subjectAltName").out;
    expect(text).toContain("DNS:*.yenlo.com");
    expect(text).toContain("IP Address:10.0.0.5");
  });
});

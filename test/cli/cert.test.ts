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
    expect(wrong.err).toContain(`--ca-key ${p("ca.key")}: cannot decrypt: wrong passphrase (check the first line of --ca-passphrase-file)`);
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

describe("proxy cert ca with a parent (intermediate), key --decrypt, inspect --passphrase-file", () => {
  test("root -> intermediate -> leaf: openssl verifies the chain, and the intermediate may sign leaves only", async () => {
    expect((await cert("ca", "--cn", "Root CA", "--cert", p("root.crt"), "--key", p("root.key"))).code).toBe(0);
    const inter = await cert("ca", "--cn", "Issuing CA", "--ca-cert", p("root.crt"), "--ca-key", p("root.key"), "--days", "36500", "--cert", p("inter.crt"), "--key", p("inter.key"));
    expect(inter).toMatchObject({ code: 0, err: "" });
    expect(opensslOk(dir, "x509", "-in", "inter.crt", "-noout", "-issuer")).toContain("CN = Root CA");
    expect(opensslOk(dir, "x509", "-in", "inter.crt", "-noout", "-ext", "basicConstraints")).toContain("CA:TRUE, pathlen:0");
    // never outlives its parent
    const end = (f: string) => new Date(opensslOk(dir, "x509", "-in", f, "-noout", "-enddate").trim().slice("notAfter=".length)).getTime();
    expect(end("inter.crt")).toBeLessThanOrEqual(end("root.crt"));
    expect((await cert("issue", "--ca-cert", p("inter.crt"), "--ca-key", p("inter.key"), "--cn", "gw.example.com", "--cert", p("gw.crt"), "--key", p("gw.key"))).code).toBe(0);
    expect(opensslOk(dir, "verify", "-CAfile", "root.crt", "-untrusted", "inter.crt", "gw.crt")).toContain("gw.crt: OK");
    expect(openssl(dir, "verify", "-CAfile", "root.crt", "gw.crt").code).not.toBe(0); // the intermediate is needed
    const one = await cert("ca", "--cn", "x", "--ca-cert", p("root.crt"), "--cert", p("y.crt"), "--key", p("y.key"));
    expect(one.code).toBe(2);
    expect(one.err).toContain("needs both --ca-cert and --ca-key");
  });

  test("key --decrypt writes the key without its passphrase (openssl rsa -in -out), with a warning", async () => {
    opensslOk(dir, "genrsa", "-traditional", "-aes256", "-passout", "pass:wso2carbon", "-out", "apache.key", "2048");
    const r = await cert("key", "--decrypt", "--in", p("apache.key"), "--out", p("apache-plain.key"), "--passphrase-file", p("ca.pass"));
    expect(r.code).toBe(0);
    expect(r.err).toContain("without a passphrase");
    expect(read(dir, "apache-plain.key")).toStartWith("-----BEGIN PRIVATE KEY-----");
    expect(statSync(p("apache-plain.key")).mode & 0o777).toBe(0o600);
    expect(opensslOk(dir, "pkey", "-in", "apache-plain.key", "-pubout")).toBe(opensslOk(dir, "pkey", "-in", "apache.key", "-passin", "pass:wso2carbon", "-pubout"));
    const again = await cert("key", "--decrypt", "--in", p("apache.key"), "--out", p("apache-plain.key"), "--passphrase-file", p("ca.pass"));
    expect(again.err).toContain("refusing to overwrite");
    const noPass = await cert("key", "--decrypt", "--in", p("apache.key"), "--out", p("other.key"));
    expect(noPass.err).toContain("a passphrase is needed (give --passphrase-file)");
    expect((await cert("key", "--in", p("apache.key"), "--out", p("other.key"))).err).toContain("give --decrypt");
  });

  test("inspect opens an encrypted key with --passphrase-file and says when the passphrase is wrong", async () => {
    const closed = await cert("inspect", p("apache.key"));
    expect(closed.out).toContain("encrypted (give --passphrase-file to open it)");
    const open = await cert("inspect", "--passphrase-file", p("ca.pass"), p("apache.key"));
    expect(open.out).toContain("private key: RSA 2048 (encrypted; passphrase correct)");
    const wrong = await cert("inspect", "--passphrase-file", p("bad.pass"), p("apache.key"));
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("wrong passphrase");
  });

  test("a SAN that is neither a DNS name nor an IP is refused before anything is written", async () => {
    const r = await cert("self-signed", "--cn", "a.example.com", "--san", "a.example.com,bad name!", "--cert", p("bad.crt"), "--key", p("bad.key"));
    expect(r.code).toBe(1);
    expect(r.err).toContain('SAN "bad name!" is neither an IP address nor a DNS name');
    expect(existsSync(p("bad.crt"))).toBe(false);
    expect((await cert("self-signed", "--cn", "w", "--san", "*.example.com,::1", "--cert", p("w.crt"), "--key", p("w.key"))).code).toBe(0);
  });
});

describe("usage", () => {
  test("help lists commands; each command has help; usage errors exit 2", async () => {
    const top = await cert("--help");
    expect(top.code).toBe(0);
    for (const c of ["ca", "issue", "self-signed", "csr", "sign", "key", "inspect", "trust"]) expect(top.out).toContain(`  ${c} `);
    const h = await cert("issue", "--help");
    expect(h.out).toContain("usage: proxy cert issue --ca-cert");
    const miss = await cert("issue", "--cn", "x");
    expect(miss.code).toBe(2);
    expect(miss.err).toContain("missing or empty --ca-cert, --ca-key, --cert, --key");
    expect((await cert("ca", "--cn", "x", "--cert", "a", "--key", "b", "--key-type", "dsa")).err).toContain("--key-type dsa: use ec or rsa");
    expect((await cert("ca", "--bogus")).err).toContain("unknown option --bogus");
    expect((await cert("frobnicate")).code).toBe(2);
  });
});

describe("proxy cert input checks", () => {
  test("an empty --cn is missing, and --days past 36500 is refused before anything is written", async () => {
    const empty = await cert("self-signed", "--cn", "", "--cert", p("e.crt"), "--key", p("e.key"));
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("missing or empty --cn");
    const long = await cert("self-signed", "--cn", "e.example.com", "--days", "9999999", "--cert", p("e.crt"), "--key", p("e.key"));
    expect(long.code).toBe(2);
    expect(long.err).toContain("--days 9999999: must be a whole number of days, from 1 to 36500");
    expect(existsSync(p("e.key"))).toBe(false);
  });

  test("a server certificate longer than 398 days is written with a warning", async () => {
    const r = await cert("self-signed", "--cn", "e.example.com", "--days", "825", "--cert", p("e.crt"), "--key", p("e.key"));
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning: --days 825: browsers reject server certificates valid for more than 398 days");
  });
});

describe("proxy cert inspect CERT KEY", () => {
  test("says whether the key is the certified one; a mismatch exits 1 and names the block that matches", async () => {
    expect((await cert("self-signed", "--cn", "m.example.com", "--cert", p("m.crt"), "--key", p("m.key"))).code).toBe(0);
    expect((await cert("self-signed", "--cn", "n.example.com", "--cert", p("n.crt"), "--key", p("n.key"))).code).toBe(0);
    const ok = await cert("inspect", p("m.crt"), p("m.key"));
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`${p("m.key")} matches the certificate in ${p("m.crt")}`);
    write(dir, "nm.crt", read(dir, "n.crt") + read(dir, "m.crt"));
    const bad = await cert("inspect", p("nm.crt"), p("m.key"));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${p("m.key")} does not match the first certificate in ${p("nm.crt")} (it matches certificate 2: put the server certificate first)`);
  });
});

describe("proxy cert inspect on files that are not PEM", () => {
  test("a .pfx, a DER certificate and a secp256k1 key each exit 1 with the conversion or the fix", async () => {
    expect((await cert("self-signed", "--cn", "x.example.com", "--cert", p("x.crt"), "--key", p("x.key"))).code).toBe(0);
    opensslOk(dir, "pkcs12", "-export", "-in", "x.crt", "-inkey", "x.key", "-out", "x.pfx", "-passout", "pass:x");
    opensslOk(dir, "x509", "-in", "x.crt", "-outform", "der", "-out", "x.der");
    opensslOk(dir, "ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", "k1.key");
    const want: [string, string][] = [["x.pfx", "is a PKCS#12 (.pfx/.p12) bundle, not PEM"], ["x.der", `is DER (binary), not PEM; convert it with: openssl x509 -inform der -in ${p("x.der")} -out cert.pem`], ["k1.key", "the key is on secp256k1"]];
    for (const [f, text] of want) {
      const r = await cert("inspect", p(f));
      expect(r.code).toBe(1);
      expect(r.err).toContain(text);
    }
  });
});

describe("proxy cert sign keeps the CSR's SANs", () => {
  test("sign keeps the CSR's email SAN", async () => {
    expect((await cert("ca", "--cn", "E CA", "--cert", p("eca.crt"), "--key", p("eca.key"))).code).toBe(0);
    opensslOk(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "e.key", "-subj", "/CN=e.example.com", "-addext", "subjectAltName=DNS:e.example.com,email:ops@example.com", "-out", "e.csr");
    expect((await cert("sign", "--ca-cert", p("eca.crt"), "--ca-key", p("eca.key"), "--csr", p("e.csr"), "--cert", p("e.crt"))).code).toBe(0);
    expect(opensslOk(dir, "x509", "-in", "e.crt", "-noout", "-ext", "subjectAltName")).toContain("email:ops@example.com");
  });

  test("sign copies a UPN otherName and a RID SAN too (smart-card logon, as openssl -copy_extensions copy)", async () => {
    expect((await cert("ca", "--cn", "U CA", "--cert", p("uca.crt"), "--key", p("uca.key"))).code).toBe(0);
    opensslOk(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "u.key", "-subj", "/CN=u.example.com", "-addext", "subjectAltName=DNS:u.example.com,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:u@example.com,RID:1.2.3.4", "-out", "u.csr");
    expect((await cert("sign", "--ca-cert", p("uca.crt"), "--ca-key", p("uca.key"), "--csr", p("u.csr"), "--cert", p("u.crt"))).code).toBe(0);
    const san = opensslOk(dir, "x509", "-in", "u.crt", "-noout", "-ext", "subjectAltName");
    for (const part of ["DNS:u.example.com", "othername: UPN::u@example.com", "Registered ID:1.2.3.4"]) expect(san).toContain(part);
  });
});

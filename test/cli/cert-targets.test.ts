import { describe, expect, test } from "bun:test";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { runCert } from "../../src/cli/cert.ts";
import { checkTargets, outputFlags } from "../../src/cli/cert-targets.ts";
import { opensslOk, read, tempDir, write } from "../tls/openssl.ts";

const dir = tempDir();
const p = (f: string): string => join(dir, f);

async function cert(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCert(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("proxy cert outputs", () => {
  test("--cert naming the same file as --key is refused, even with --force", async () => {
    const r = await cert("self-signed", "--cn", "a.example.com", "--cert", p("same.pem"), "--key", p("same.pem"), "--force");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--cert ${p("same.pem")} is also written as --key; writing it would destroy that file`);
    expect(existsSync(p("same.pem"))).toBe(false);
  });

  test("a certificate is never written over the CA key it was signed with", async () => {
    expect((await cert("ca", "--cn", "Root", "--cert", p("root.crt"), "--key", p("root.key"))).code).toBe(0);
    const key = read(dir, "root.key");
    const r = await cert("issue", "--ca-cert", p("root.crt"), "--ca-key", p("root.key"), "--cn", "x.example.com", "--cert", p("root.key"), "--key", p("x.key"), "--force");
    expect(r.code).toBe(1);
    expect(r.err).toContain("is also read as --ca-key");
    expect(read(dir, "root.key")).toBe(key);
    expect(existsSync(p("x.key"))).toBe(false);
  });

  test("a symlink to an input counts as that input", async () => {
    symlinkSync(p("root.key"), p("alias.key"));
    const r = await cert("issue", "--ca-cert", p("root.crt"), "--ca-key", p("root.key"), "--cn", "x.example.com", "--cert", p("alias.key"), "--key", p("y.key"));
    expect(r.err).toContain("is also read as --ca-key");
  });

  test("--cert over an unrelated file holding a private key needs --force", async () => {
    write(dir, "other.pem", read(dir, "root.key"));
    const args = ["sign", "--ca-cert", p("root.crt"), "--ca-key", p("root.key"), "--csr", p("z.csr"), "--cert", p("other.pem")];
    expect((await cert("csr", "--cn", "z.example.com", "--key", p("z.key"), "--csr", p("z.csr"))).code).toBe(0);
    const r = await cert(...args);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--cert ${p("other.pem")}: holds a private key; refusing to overwrite it with a certificate (give --force`);
    expect((await cert(...args, "--force")).code).toBe(0);
    expect(opensslOk(dir, "verify", "-CAfile", "root.crt", "other.pem")).toContain("OK");
  });

  test("an existing certificate is simply replaced", async () => {
    const before = read(dir, "root.crt");
    expect((await cert("self-signed", "--cn", "b.example.com", "--cert", p("root.crt"), "--key", p("b.key"))).code).toBe(0);
    expect(read(dir, "root.crt")).not.toBe(before);
  });

  test("a missing directory is reported before any key is written", async () => {
    const r = await cert("self-signed", "--cn", "c.example.com", "--cert", p("nodir/c.crt"), "--key", p("c.key"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--cert ${p("nodir/c.crt")}: directory ${p("nodir")} does not exist`);
    expect(existsSync(p("c.key"))).toBe(false);
  });
});

describe("outputFlags", () => {
  test("csr writes --key only when it does not exist yet", () => {
    expect(outputFlags("csr", { key: p("root.key") })).toEqual(["csr"]);
    expect(outputFlags("csr", { key: p("new.key") })).toEqual(["csr", "key"]);
    expect(outputFlags("inspect", {})).toEqual([]);
  });

  test("csr reusing an existing key may not write the CSR over it", () => {
    expect(() => checkTargets("csr", { key: p("root.key"), csr: p("root.key") })).toThrow("is also read as --key");
  });
});

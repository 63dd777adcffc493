// Runs Debian's real update-ca-certificates, inside a scratch root (its directory options), so
// the test machine's own trust store is never touched.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCert } from "../../src/cli/cert.ts";
import { tempDir } from "../tls/openssl.ts";

const hasDebianTool = Bun.which("update-ca-certificates") !== null;

async function cert(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCert(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("proxy cert trust", () => {
  test.skipIf(!hasDebianTool)("installs the internal CA of a dataDir into the Debian bundle and prints the keytool line", async () => {
    const dir = tempDir();
    const root = join(dir, "root");
    for (const d of ["etc/ssl/certs", "usr/share/ca-certificates", "etc/ca-certificates/update.d"]) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, "etc/debian_version"), "12\n");
    writeFileSync(join(root, "etc/ca-certificates.conf"), "");
    const data = join(dir, "proxy-data");
    mkdirSync(data);
    expect((await cert("ca", "--cn", "edge-proxy internal CA", "--cert", join(data, "ca.crt"), "--key", join(data, "ca.key"))).code).toBe(0);

    const r = await cert("trust", "--data-dir", data, "--root", root);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("CN=edge-proxy internal CA (SHA-256 ");
    expect(r.out).toMatch(/keytool -importcert -noprompt -alias edge-proxy-[0-9a-f]{12} -file \S+ca\.crt -keystore client-truststore\.jks/);
    const caBody = readFileSync(join(data, "ca.crt"), "utf8").trim();
    expect(readFileSync(join(root, "etc/ssl/certs/ca-certificates.crt"), "utf8")).toContain(caBody);
  });

  test("refuses a leaf certificate and a missing file, naming them", async () => {
    const dir = tempDir();
    await cert("self-signed", "--cn", "leaf.example.com", "--cert", join(dir, "leaf.crt"), "--key", join(dir, "leaf.key"));
    const leaf = await cert("trust", join(dir, "leaf.crt"), "--root", join(dir, "nowhere"));
    expect(leaf.code).toBe(2);
    expect(leaf.err).toContain("is not a CA certificate");
    const missing = await cert("trust", "--data-dir", join(dir, "none"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("cannot read (ENOENT)");
  });
});

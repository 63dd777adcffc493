import { expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureInternalCerts, INTERNAL_LEAF_DAYS } from "../../src/tls/internal-ca.ts";
import { loadListenerTls } from "../../src/tls/listener-tls.ts";
import { openssl, tempDir } from "./openssl.ts";
import { captureEvents, runtimeIn, tlsConfig } from "./tls-fixtures.ts";

const mode = (p: string) => statSync(p).mode & 0o777;

test("first start creates the CA (key 0600, dir 0700) and a certificate per host; later starts reuse them", async () => {
  const data = join(tempDir(), "proxy-data");
  const logs: string[] = [];
  const first = await ensureInternalCerts(data, ["sso.example.com", "*.apps.example.com", "SSO.example.com"], (m) => logs.push(m));
  expect(first.caCreated).toBe(true);
  expect(mode(data)).toBe(0o700);
  expect(mode(join(data, "ca.key"))).toBe(0o600);
  expect(mode(join(data, "certs/default.key"))).toBe(0o600);
  expect(first.certs.map((c) => c.names)).toEqual([["localhost", "127.0.0.1", "::1"], ["*.apps.example.com"], ["sso.example.com"]]);
  expect(first.certs[1]!.certFile).toBe(join(data, "certs/wildcard_.apps.example.com.crt"));
  expect(logs).toHaveLength(3);
  const caPem = readFileSync(join(data, "ca.crt"), "utf8");

  const again = await ensureInternalCerts(data, ["sso.example.com", "*.apps.example.com"], (m) => logs.push(m));
  expect(again.caCreated).toBe(false);
  expect(logs).toHaveLength(3); // nothing re-issued
  expect(readFileSync(join(data, "ca.crt"), "utf8")).toBe(caPem);
  expect(again.certs.map((c) => c.certPem)).toEqual(first.certs.map((c) => c.certPem));
});

test("certificates verify with openssl against ca.crt, for their names", async () => {
  const data = join(tempDir(), "d");
  const r = await ensureInternalCerts(data, ["sso.example.com"], () => {});
  for (const [file, name] of [["certs/default.crt", "localhost"], ["certs/sso.example.com.crt", "sso.example.com"]] as const) {
    const v = openssl(data, "verify", "-CAfile", "ca.crt", "-purpose", "sslserver", "-verify_hostname", name, file);
    expect(v.out).toContain(`${file}: OK`);
  }
  expect(openssl(data, "verify", "-CAfile", "ca.crt", "-verify_ip", "127.0.0.1", "certs/default.crt").code).toBe(0);
  expect(r.renewAt.getTime()).toBeGreaterThan(Date.now() + (INTERNAL_LEAF_DAYS - 31) * 86_400_000);
});

test("route hosts that are IP addresses are named in the default certificate, the one clients dialling an address get", async () => {
  const data = join(tempDir(), "d");
  const r = await ensureInternalCerts(data, ["10.1.2.3", "sso.example.com"], () => {});
  expect(r.certs.map((c) => c.names)).toEqual([["localhost", "127.0.0.1", "::1", "10.1.2.3"], ["sso.example.com"]]);
  expect(openssl(data, "verify", "-CAfile", "ca.crt", "-verify_ip", "10.1.2.3", "certs/default.crt").code).toBe(0);
  expect(openssl(data, "verify", "-CAfile", "ca.crt", "-verify_ip", "10.1.2.3", "certs/sso.example.com.crt").code).not.toBe(0);
});

test("re-issues when the names change or the certificate nears expiry", async () => {
  const data = join(tempDir(), "d");
  await ensureInternalCerts(data, ["a.example.com"], () => {});
  const logs: string[] = [];
  // A route host added: only the new one is issued.
  await ensureInternalCerts(data, ["a.example.com", "b.example.com"], (m) => logs.push(m));
  expect(logs).toEqual([expect.stringContaining("for b.example.com (new)")]);
  // Two thirds of the lifetime later everything is due again.
  const later = new Date(Date.now() + (INTERNAL_LEAF_DAYS * 2 / 3 + 1) * 86_400_000);
  logs.length = 0;
  await ensureInternalCerts(data, ["a.example.com", "b.example.com"], (m) => logs.push(m), later);
  expect(logs).toHaveLength(3);
  expect(logs.every((l) => l.includes("(expires "))).toBe(true);
});

test("a half-present CA is an error naming the missing file", async () => {
  const data = join(tempDir(), "d");
  await ensureInternalCerts(data, [], () => {});
  Bun.spawnSync(["rm", join(data, "ca.key")]);
  await expect(ensureInternalCerts(data, [], () => {})).rejects.toThrow(`dataDir: ${join(data, "ca.key")} is missing but ${join(data, "ca.crt")} exists`);
});

test('"certificates": "internal" on a listener: dataDir relative to routes.json, route hosts as SNI names, trust hint logged', async () => {
  const dir = tempDir();
  const config = tlsConfig({ certificates: "internal" }, {
    dataDir: "state",
    routes: [{ host: "sso.example.com", path: "/", respond: { status: 200 } }, { host: "*.apps.example.com", path: "/", respond: { status: 200 } }, { path: "/", respond: { status: 404 } }],
  });
  const { events, lines } = captureEvents();
  const setup = (await loadListenerTls(runtimeIn(dir, config), events)).get(0)!;
  expect(setup.entries.map((e) => e.serverName)).toEqual(["localhost", "*.apps.example.com", "sso.example.com"]);
  expect(lines.some((l) => l.includes(`clients should trust ${join(dir, "state/ca.crt")}`))).toBe(true);
  expect(setup.renewAt).toBeInstanceOf(Date);
});

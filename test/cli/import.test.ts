/**
 * `proxy import` on every seed configuration (test/import/fixtures): each imports, the result
 * passes `proxy check` (with certificates made by `proxy cert` standing in for the seeds'
 * files), and the report names what was left out, with file:line.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runBinary, tempDir } from "../e2e/harness.ts";

const FIXTURES = join(import.meta.dir, "../import/fixtures");
const dir = tempDir();

/** What each seed's report must mention (directive and why), beyond passing proxy check. */
const EXPECTED: Record<string, RegExp[]> = {
  "000-wso2-is-balancer.conf": [/:4: not carried over: LoadModule proxy_module .*built into the proxy/, /:26: not carried over: NameVirtualHost/, /:44: note: SSLPassPhraseDialog exec:/],
  "001-wso2-is-pdp-cluster.conf": [/:7: not carried over: ServerAdmin/, /SSLProxyVerify none does not verify/],
  "002-wso2-apim.conf": [/:8: not carried over: ErrorLog/, /:10: note: Header edit Location \^http https: .*httpss:\/\/.*"\^http:\/\/" -> "https:\/\/"/, /:12: not carried over: ForceType/],
  "002-wso2-is.conf": [/:7: note: RewriteRule \.\* - \[F\]: with no RewriteCond this forbids every request/, /:8: not carried over: ErrorLog/],
  "003-talentify.conf": [],
  "003-talentify-first-balancer.conf": [/:6: not carried over: BalancerMember .*timeout=1: timeout= is set on some members only/],
  "004-apim-nginx-single-node.conf": [/:22: note: proxy_set_header X-Forwarded-Port 443: not inherited/, /:32: not carried over: proxy_send_timeout 5m/, /:37: not carried over: error_log/],
  "004-apim-nginx-active-active.conf": [/:8: note: sticky learn .*route-suffix/, /proxy_send_timeout/],
  "004-apim-nginx-ha-for-gateway.conf": [/proxy_send_timeout/, /NGINX's proxy_redirect default maps only https:\/\/sslgw.am.wso2.com\//],
  "004-apim-nginx-ha-for-publisher.conf": [/sticky learn/, /error_log/],
  "004-apim-nginx-ha-for-store.conf": [/sticky learn/, /error_log/],
  "004-apim-nginx-ha-for-key-manager.conf": [/sticky learn/, /error_log/],
};

beforeAll(async () => {
  writeFileSync(join(dir, "pass"), "seedpass\n");
  writeFileSync(join(dir, "pass.sh"), "#!/bin/sh\necho seedpass\n");
  chmodSync(join(dir, "pass.sh"), 0o755);
  for (const args of [["ca", "--cn", "Seed CA", "--cert", "ca.crt", "--key", "ca.key"], ["issue", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--cn", "localhost", "--cert", "plain.crt", "--key", "plain.key"], ["issue", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--cn", "localhost", "--cert", "enc.crt", "--key", "enc.key", "--passphrase-file", "pass"]]) {
    const r = await runBinary(["cert", ...args], { cwd: dir });
    if (r.code !== 0) throw new Error(r.stderr);
  }
});

/** The seeds' certificate paths exist only on their authors' machines: point them at ours. */
function standIns(routes: { listeners: { tls?: { certificates: Record<string, string>[] } }[]; accessLog?: { path?: string } }): void {
  // The seeds log under /etc/nginx and /var/log/apache2, which proxy check rightly refuses here.
  if (routes.accessLog?.path && routes.accessLog.path !== "-") routes.accessLog.path = join(dir, "access.log");
  for (const l of routes.listeners) {
    for (const c of l.tls?.certificates ?? []) {
      const enc = c.passphraseCommand !== undefined || c.passphraseFile !== undefined;
      c.cert = join(dir, enc ? "enc.crt" : "plain.crt");
      c.key = join(dir, enc ? "enc.key" : "plain.key");
      if (c.chain) c.chain = join(dir, "ca.crt");
      if (c.passphraseCommand) c.passphraseCommand = join(dir, "pass.sh");
      if (c.passphraseFile) c.passphraseFile = join(dir, "pass");
    }
  }
}

describe("every seed configuration imports, passes proxy check and reports what it left out", () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".conf")).sort();
  test("there is a fixture for every seed and an expectation for every fixture", () => {
    for (const seed of ["000", "001", "002", "003", "004"]) expect(files.some((f) => f.startsWith(seed))).toBe(true);
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const f of files) {
    test(f, async () => {
      const kind = f.startsWith("004") ? "nginx" : "apache";
      expect(readFileSync(join(FIXTURES, f), "utf8")).toMatch(/^# Seed 00\d_[0-9a-f]{16}\.txt/);
      const out = join(dir, `${f}.json`);
      const r = await runBinary(["import", kind, join(FIXTURES, f), "-o", out]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringContaining(`wrote ${out}`) });
      for (const re of EXPECTED[f]!) expect(r.stderr).toMatch(re);
      for (const line of r.stderr.trim().split("\n").slice(0, -1)) expect(line).toMatch(new RegExp(`^${join(FIXTURES, f).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: (not carried over|note): `));
      const routes = JSON.parse(readFileSync(out, "utf8"));
      standIns(routes);
      writeFileSync(out, JSON.stringify(routes));
      const check = await runBinary(["check", out]);
      expect({ code: check.code, err: check.stderr }).toEqual({ code: 0, err: expect.not.stringContaining("error") });
      expect(check.stdout).toContain("configuration is valid");
    });
  }
});

describe("proxy import answers usage errors and empty conversions", () => {
  test("--help prints the usage with exit 0", async () => {
    const r = await runBinary(["import", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("proxy import apache|nginx FILE [-o routes.json]");
  });
  test("an unknown kind, a missing file or a stray argument is a usage error (exit 2)", async () => {
    for (const args of [["import", "haproxy", "x.cfg"], ["import", "apache"], ["import", "apache", join(dir, "missing.conf")], ["import", "nginx", join(FIXTURES, "004-apim-nginx-single-node.conf"), "extra"], ["import", "apache", "a.conf", "-o"]]) {
      const r = await runBinary(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).not.toBe("");
    }
  });
  test("a configuration with nothing to convert exits 1 and writes nothing, listing every directive", async () => {
    const conf = join(dir, "modules-only.conf");
    writeFileSync(conf, "LoadModule proxy_module modules/mod_proxy.so\nServerAdmin ops@example.com\n");
    const out = join(dir, "never.json");
    const r = await runBinary(["import", "apache", conf, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${conf}:1: not carried over: LoadModule`);
    expect(r.stderr).toContain(`${conf}:2: not carried over: ServerAdmin`);
    expect(r.stderr).toContain("nothing could be converted");
    expect(await Bun.file(out).exists()).toBe(false);
  });
  test("without -o the routes.json goes to standard output and the report to standard error", async () => {
    const r = await runBinary(["import", "apache", join(FIXTURES, "003-talentify.conf")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).pools.backend.sticky).toEqual({ cookie: "ROUTEID", mode: "insert", path: "/" });
  });
});

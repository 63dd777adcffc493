// HTTPS listeners, SNI, encrypted keys, upstream TLS and HTTP->HTTPS redirects, through the
// compiled binary with real TLS clients (curl, openssl) that trust only the test CA.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { echoUpstream, runBinary, startProxy, tempDir, writeFile } from "./harness.ts";
import { binaryCerts, curlTls, httpsUpstream, servedSubject } from "./tls-harness.ts";

const echo = echoUpstream("plain");
afterAll(() => echo.stop());

const route = (pool: string) => [{ path: "/", pool }];
const tlsListener = (certificates: unknown) => ({ port: 0, host: "127.0.0.1", tls: { certificates } });
const portOf = (url: string) => Number(new URL(url).port);

/** The proxy on one HTTPS listener with app.example.com's certificate from `proxy cert` (ca.crt in dir). */
async function appProxy(extra: object = {}) {
  const dir = tempDir();
  await binaryCerts(dir, "app.example.com", "app.example.com");
  const proxy = await startProxy({
    listeners: [tlsListener([{ cert: "app.example.com.crt", key: "app.example.com.key" }])],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: route("plain"),
    ...extra,
  }, { dir });
  return { dir, proxy };
}

test("HTTPS through the proxy with certificates from `proxy cert ca` / `cert issue`", async () => {
  const { dir, proxy } = await appProxy();
  try {
    const r = await curlTls(`https://app.example.com:${portOf(proxy.url)}/hello?x=1`, join(dir, "ca.crt"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { path: string; headers: Record<string, string> };
    expect(body.path).toBe("/hello?x=1");
    expect(body.headers["x-forwarded-proto"]).toBe("https");
  } finally {
    await proxy.stop();
  }
});

test("http:// to the HTTPS port: curl gets a plain 400 that says so (NGINX's answer), and the access log has it", async () => {
  const { dir, proxy } = await appProxy({ accessLog: { format: "json" } });
  try {
    const r = Bun.spawnSync(["curl", "-s", "-w", "\n%{http_code}", `http://127.0.0.1:${portOf(proxy.url)}/hello`], { stdout: "pipe", stderr: "pipe" });
    expect(r.stdout.toString()).toBe("400 Bad Request: a plain HTTP request was sent to this HTTPS port; use https://\n\n400");
    await proxy.waitFor('"status":400');
    expect(echo.seen.some((x) => x.url === "/hello")).toBe(false);
    // HTTPS on the same port still works.
    expect((await curlTls(`https://app.example.com:${portOf(proxy.url)}/after`, join(dir, "ca.crt"))).status).toBe(200);
  } finally {
    await proxy.stop();
  }
});

test("SNI: two names get two different certificates; an unknown name gets the first", async () => {
  const dir = tempDir();
  const ca = await createCA({ cn: "SNI CA" });
  for (const n of ["one", "two"]) {
    const c = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: `${n}.example.com`, sans: [`${n}.example.com`] });
    writeFile(dir, `${n}.crt`, c.certPem);
    writeFile(dir, `${n}.key`, c.keyPem);
  }
  writeFile(dir, "ca.crt", ca.certPem);
  const proxy = await startProxy({
    listeners: [tlsListener([{ cert: "one.crt", key: "one.key" }, { cert: "two.crt", key: "two.key" }])],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: route("plain"),
  }, { dir });
  try {
    const port = portOf(proxy.url);
    expect(await servedSubject(port, "one.example.com")).toBe("subject=CN = one.example.com");
    expect(await servedSubject(port, "two.example.com")).toBe("subject=CN = two.example.com");
    expect(await servedSubject(port, "unknown.example.com")).toBe("subject=CN = one.example.com");
    expect((await curlTls(`https://two.example.com:${port}/`, join(dir, "ca.crt"))).status).toBe(200);
  } finally {
    await proxy.stop();
  }
});

test("an ECDSA and an RSA certificate for one name (NGINX's two ssl_certificate lines): each client gets the one its signature algorithms allow", async () => {
  const dir = tempDir();
  await binaryCerts(dir, "app.example.com", "app.example.com");
  const rsa = await runBinary(["cert", "issue", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--cn", "app.example.com", "--san", "app.example.com", "--key-type", "rsa", "--cert", "rsa.crt", "--key", "rsa.key"], { cwd: dir });
  expect(rsa.code).toBe(0);
  const proxy = await startProxy({
    listeners: [tlsListener([{ cert: "app.example.com.crt", key: "app.example.com.key" }, { cert: "rsa.crt", key: "rsa.key" }])],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: route("plain"),
  }, { dir });
  try {
    expect(proxy.stderr()).not.toContain("already served");
    const served = async (sigalgs: string) => {
      const cmd = `openssl s_client -connect 127.0.0.1:${portOf(proxy.url)} -servername app.example.com -CAfile ca.crt -verify_return_error -sigalgs ${sigalgs} </dev/null 2>&1`;
      const out = await new Response(Bun.spawn(["sh", "-c", cmd], { cwd: dir, stdout: "pipe" }).stdout).text();
      return { bits: /Server public key is (\d+) bit/.exec(out)?.[1], verified: out.includes("Verify return code: 0 (ok)") };
    };
    expect(await served("ECDSA+SHA256")).toEqual({ bits: "256", verified: true });
    expect(await served("rsa_pss_rsae_sha256:RSA+SHA256")).toEqual({ bits: "2048", verified: true });
    const r = await curlTls(`https://app.example.com:${portOf(proxy.url)}/`, join(dir, "ca.crt"));
    expect(r.status).toBe(200);
  } finally {
    await proxy.stop();
  }
});

test("an `openssl genrsa -des3` key unlocked by passphraseCommand", async () => {
  const dir = tempDir();
  const sh = (cmd: string) => expect(Bun.spawnSync(["sh", "-c", cmd], { cwd: dir }).exitCode).toBe(0);
  sh("openssl genrsa -des3 -traditional -passout pass:wso2carbon -out server.key 2048 2>/dev/null");
  sh("openssl req -x509 -new -key server.key -passin pass:wso2carbon -subj /CN=sso.example.com -addext subjectAltName=DNS:sso.example.com -days 30 -out server.crt");
  writeFile(dir, "secret", "wso2carbon\n");
  const proxy = await startProxy({
    listeners: [tlsListener([{ cert: "server.crt", key: "server.key", passphraseCommand: "cat secret" }])],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: route("plain"),
  }, { dir });
  try {
    const r = await curlTls(`https://sso.example.com:${portOf(proxy.url)}/`, join(dir, "server.crt"));
    expect(r.status).toBe(200);
  } finally {
    await proxy.stop();
  }
});

test("upstream TLS: verify false (200 from a self-signed member or an unknown CA's, for another name; warned at start), verify on self-signed (502, logged), verify on with ca (200)", async () => {
  const dir = tempDir();
  await binaryCerts(dir, "app.example.com", "app.example.com");
  const selfUp = await httpsUpstream("self", "self-signed");
  const caUp = await httpsUpstream("ca", "ca-issued");
  writeFile(dir, "upstream-ca.crt", caUp.caPem!);
  const proxy = await startProxy({
    listeners: [tlsListener([{ cert: "app.example.com.crt", key: "app.example.com.key" }])],
    pools: {
      noverify: { members: [{ url: selfUp.url }], tls: { verify: false } },
      // Issued by a CA the proxy does not know, for 127.0.0.1 but asked as other.test: still taken.
      noverifyca: { members: [{ url: caUp.url }], tls: { verify: false, serverName: "other.test" } },
      strict: { members: [{ url: selfUp.url }], retries: 0 },
      withca: { members: [{ url: caUp.url }], tls: { ca: "upstream-ca.crt" } },
    },
    routes: [{ path: "/noverify", pool: "noverify" }, { path: "/unknownca", pool: "noverifyca" }, { path: "/strict", pool: "strict" }, { path: "/withca", pool: "withca" }],
  }, { dir });
  const get = (p: string) => curlTls(`https://app.example.com:${portOf(proxy.url)}${p}`, join(dir, "ca.crt"));
  try {
    expect(proxy.stderr()).toMatch(/warn .*pools\.noverify\.tls\.verify is false/);
    const a = await get("/noverify");
    expect([a.status, JSON.parse(a.body).name]).toEqual([200, "self"]);
    const u = await get("/unknownca");
    expect([u.status, JSON.parse(u.body).name]).toEqual([200, "ca"]);
    expect((await get("/strict")).status).toBe(502);
    await proxy.waitFor(new RegExp(`${selfUp.url.replace(/[.:/]/g, "\\$&")}.*(SELF_SIGNED|self.signed|CERT)`, "i"));
    const c = await get("/withca");
    expect([c.status, JSON.parse(c.body).name]).toEqual([200, "ca"]);
  } finally {
    await proxy.stop();
    selfUp.stop();
    caUp.stop();
  }
});

test("redirectHttps listener: 301 to https://host:port/path?query", async () => {
  const dir = tempDir();
  await binaryCerts(dir, "app.example.com", "app.example.com");
  const proxy = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1", redirectHttps: { port: 8443 } }, tlsListener([{ cert: "app.example.com.crt", key: "app.example.com.key" }])],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: route("plain"),
  }, { dir });
  try {
    const r = await fetch(`${proxy.urls[0]}/a/b?q=1`, { headers: { host: "app.example.com:8080" }, redirect: "manual" });
    expect([r.status, r.headers.get("location")]).toEqual([301, "https://app.example.com:8443/a/b?q=1"]);
  } finally {
    await proxy.stop();
  }
});

test('"certificates": "internal": clients trusting <dataDir>/ca.crt get a certificate for the route host', async () => {
  const dir = tempDir();
  const proxy = await startProxy({
    listeners: [tlsListener("internal")],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: [{ host: "sso.example.com", path: "/", pool: "plain" }],
  }, { dir });
  try {
    expect(proxy.stderr()).toContain(`clients should trust ${join(dir, "proxy-data/ca.crt")}`);
    const r = await curlTls(`https://sso.example.com:${portOf(proxy.url)}/`, join(dir, "proxy-data/ca.crt"));
    expect(r.status).toBe(200);
  } finally {
    await proxy.stop();
  }
});

test('"certificates": "internal" with a route host that is an IP address: a client dialling that address (no SNI) verifies it', async () => {
  const dir = tempDir();
  const proxy = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.2", tls: { certificates: "internal" } }],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: [{ host: "127.0.0.2", path: "/", pool: "plain" }],
  }, { dir });
  try {
    expect(proxy.stderr()).not.toContain("never served");
    const curl = Bun.spawn(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", join(dir, "proxy-data/ca.crt"), `https://127.0.0.2:${portOf(proxy.url)}/`], { stdout: "pipe", stderr: "pipe" });
    expect(await new Response(curl.stdout).text()).toBe("200");
  } finally {
    await proxy.stop();
  }
});

test("internal certificates renew on a timer while the proxy runs, without a restart", async () => {
  const dir = tempDir();
  const serial = async (port: number) => {
    const cmd = `openssl s_client -connect 127.0.0.1:${port} -servername sso.example.com </dev/null 2>/dev/null | openssl x509 -noout -serial -enddate`;
    return (await new Response(Bun.spawn(["sh", "-c", cmd], { stdout: "pipe" }).stdout).text()).trim();
  };
  const proxy = await startProxy({
    listeners: [tlsListener("internal")],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: [{ host: "sso.example.com", path: "/", pool: "plain" }],
  }, { dir, env: { EDGE_INTERNAL_CERT_LIFETIME_MS: "6000" } });
  try {
    const port = portOf(proxy.url);
    const first = await serial(port);
    expect(first).toContain("serial=");
    await proxy.waitFor("internal certificates renewed");
    const second = await serial(port);
    expect(second).toContain("serial=");
    expect(second).not.toBe(first);
    const r = await curlTls(`https://sso.example.com:${port}/`, join(dir, "proxy-data/ca.crt"));
    expect(r.status).toBe(200);
    expect(proxy.proc.exitCode).toBeNull();
  } finally {
    await proxy.stop();
  }
});

test("SIGHUP re-reads the certificates without a restart", async () => {
  const dir = tempDir();
  const ca = await createCA({ cn: "Reload CA" });
  const issue = async (cn: string) => {
    const c = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn, sans: ["app.example.com"] });
    writeFile(dir, "app.crt", c.certPem);
    writeFile(dir, "app.key", c.keyPem);
  };
  await issue("before");
  const proxy = await startProxy({
    listeners: [tlsListener([{ cert: "app.crt", key: "app.key" }])],
    pools: { plain: { members: [{ url: echo.url }] } },
    routes: route("plain"),
  }, { dir });
  try {
    const port = portOf(proxy.url);
    expect(await servedSubject(port, "app.example.com")).toBe("subject=CN = before");
    await issue("after");
    proxy.proc.kill("SIGHUP");
    await proxy.waitFor("certificates reloaded");
    expect(await servedSubject(port, "app.example.com")).toBe("subject=CN = after");
  } finally {
    await proxy.stop();
  }
});

test("a reload that adds an HTTPS listener with internal certificates serves it and renews them on the timer", async () => {
  const dir = tempDir();
  const cfg = (listeners: object[]) => ({ listeners, pools: { plain: { members: [{ url: echo.url }] } }, routes: [{ host: "sso.example.com", path: "/", pool: "plain" }] });
  const plain = { port: 0, host: "127.0.0.1" };
  const proxy = await startProxy(cfg([plain]), { dir, env: { EDGE_INTERNAL_CERT_LIFETIME_MS: "6000" } });
  try {
    writeFile(dir, "routes.json", JSON.stringify(cfg([plain, tlsListener("internal")])));
    proxy.proc.kill("SIGHUP");
    await proxy.waitFor(/generation 2;.*listeners \+https:\/\/127\.0\.0\.1:\d+\//);
    const url = /listeners \+(https:\S+\/);/.exec(proxy.stderr())![1]!;
    const r = await curlTls(`https://sso.example.com:${portOf(url)}/`, join(dir, "proxy-data/ca.crt"));
    expect(r.status).toBe(200);
    // Renewal was armed by the reload: the listener was not there at start.
    await proxy.waitFor("internal certificates renewed");
    expect((await curlTls(`https://sso.example.com:${portOf(url)}/`, join(dir, "proxy-data/ca.crt"))).status).toBe(200);
  } finally {
    await proxy.stop();
  }
}, 30_000);

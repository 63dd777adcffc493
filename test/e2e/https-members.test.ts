/**
 * https:// members end to end, through dist/proxy: the fast lane (body-less GET on a plain
 * listener) and the spine (a POST with a body) both reach them on the project's own client;
 * a member whose certificate fails verification is a connect failure (logged with the member
 * and the reason, retried on another member); WebSockets to https:// members still work.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { createServer as tlsServer, type TLSSocket } from "node:tls";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { closedPort, runBinary, startProxy, tempDir, type RunningProxy } from "./harness.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { encryptPrivateKeyPem } from "../../src/tls/keys.ts";

const ca = await createCA({ cn: "Member CA" });
const good = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1", "app.internal"] });
const expired = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1"], days: -1 });

/** An HTTPS member that echoes what it got; upgrades /ws to a WebSocket echo. */
function member(name: string, cert: { certPem: string; keyPem: string }) {
  const seen: { method: string; headers: Record<string, string>; body: string }[] = [];
  const server = Bun.serve<undefined>({
    port: 0, hostname: "127.0.0.1", development: false, tls: { cert: cert.certPem, key: cert.keyPem },
    async fetch(req, srv) {
      if (new URL(req.url).pathname === "/ws" && srv.upgrade(req, { data: undefined })) return undefined;
      const body = await req.text();
      seen.push({ method: req.method, headers: Object.fromEntries(req.headers), body });
      return Response.json({ name, method: req.method, bodyLength: body.length });
    },
    websocket: { message: (ws, m) => void ws.send(`${name}:${String(m)}`) },
  });
  return { seen, url: `https://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

describe("https:// members on the project's own client", () => {
  const a = member("a", good);
  const stale = member("stale", expired);
  let p: RunningProxy;
  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "member-ca.crt"), ca.certPem);
    p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: {
        good: { members: [{ url: a.url }], tls: { ca: "member-ca.crt", serverName: "app.internal" } },
        // The stale member first: round robin starts there, and its failure must move on to `a`.
        // maxFails high: the member stays in, so each request meets the certificate again.
        mixed: { members: [{ url: stale.url }, { url: a.url }], tls: { ca: "member-ca.crt" }, retries: 1, health: { passive: { maxFails: 100 } } },
        bad: { members: [{ url: stale.url }], tls: { ca: "member-ca.crt" }, retries: 0, health: { passive: { maxFails: 100 } } },
      },
      routes: [{ path: "/mixed", pool: "mixed" }, { path: "/bad", pool: "bad" }, { path: "/", pool: "good" }],
      accessLog: { path: "/dev/null" },
    }, { dir });
  });
  afterAll(async () => { await p.stop(); a.stop(); stale.stop(); });

  test("a GET (fast lane) arrives with exactly the client's headers", async () => {
    const proc = Bun.spawn(["curl", "-s", "-H", "User-Agent:", "-H", "Accept:", "-H", "X-Mine: 1", `${p.url}/lane`], { stdout: "pipe" });
    expect(JSON.parse(await new Response(proc.stdout).text()).name).toBe("a");
    expect(Object.keys(a.seen.at(-1)!.headers).sort()).toEqual(["host", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-mine"]);
  });

  test("a POST with a body (spine) arrives whole, no invented headers", async () => {
    const proc = Bun.spawn(["curl", "-s", "-H", "User-Agent:", "-H", "Accept:", "-H", "Content-Type: text/plain", "--data-binary", "x".repeat(1024), `${p.url}/post`], { stdout: "pipe" });
    expect(JSON.parse(await new Response(proc.stdout).text())).toEqual({ name: "a", method: "POST", bodyLength: 1024 });
    const got = a.seen.at(-1)!;
    expect(got.body).toBe("x".repeat(1024));
    for (const absent of ["user-agent", "accept", "accept-encoding"]) expect(Object.keys(got.headers)).not.toContain(absent);
  });

  test("an expired member certificate: 502 alone, retried on another member, logged with member and reason", async () => {
    for (const [method, body] of [["GET", undefined], ["POST", "payload"]] as const) {
      const bad = await fetch(`${p.url}/bad`, { method, body });
      expect(bad.status).toBe(502);
      const ok = await fetch(`${p.url}/mixed/x`, { method, body });
      expect(ok.status).toBe(200);
      expect((await ok.json() as { name: string }).name).toBe("a");
    }
    await p.waitFor(`pool=bad member=${stale.url} connect failed: TLS: certificate has expired`);
    await p.waitFor(`pool=mixed member=${stale.url} connect failed: TLS: certificate has expired; retrying on another member`);
  });

  test("WebSocket to an https:// member (wss upstream) relays both ways", async () => {
    const ws = new WebSocket(p.url.replace("http", "ws") + "/ws");
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error("websocket error")); });
    const answer = new Promise<string>((r) => (ws.onmessage = (e) => r(String(e.data))));
    ws.send("hi");
    expect(await answer).toBe("a:hi");
    ws.close();
  });
});

const other = await createCA({ cn: "Other CA" });

describe("pools.*.tls.ca is checked and re-read", () => {
  const a = member("a", good);
  afterAll(() => a.stop());
  const config = { listeners: [{ port: 0, host: "127.0.0.1" }], pools: { app: { members: [{ url: a.url }], tls: { ca: "ca.pem" }, retries: 0 } }, routes: [{ path: "/", pool: "app" }], accessLog: { path: "/dev/null" } };

  test("SIGHUP after the CA file changed verifies members against the new file (NGINX re-reads it too)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ca.pem"), other.certPem);
    const p = await startProxy(config, { dir });
    try {
      expect((await fetch(`${p.url}/x`)).status).toBe(502);
      await p.waitFor(`pool=app member=${a.url} connect failed: TLS:`);
      writeFileSync(join(dir, "ca.pem"), ca.certPem);
      p.proc.kill("SIGHUP");
      await p.waitFor(/reload \(SIGHUP\): generation 2;[^\n]*pools ~app tls\.ca-file/);
      const ok = await fetch(`${p.url}/x`);
      expect(ok.status).toBe(200);
      expect((await ok.json() as { name: string }).name).toBe("a");
    } finally {
      await p.stop();
    }
  });

  test("a CA file holding a key, or no certificate, is refused at start and by check, naming the JSON path", async () => {
    for (const [text, reason] of [[ca.keyPem, "holds a private key, not a certificate"], ["not a certificate\n", "holds no PEM certificate"]] as const) {
      const dir = tempDir();
      writeFileSync(join(dir, "ca.pem"), text);
      writeFileSync(join(dir, "routes.json"), JSON.stringify(config));
      for (const args of [["check", "--routes", join(dir, "routes.json")], ["--routes", join(dir, "routes.json")]]) {
        const r = await runBinary(args);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(`pools.app.tls.ca: ca.pem ${reason}`);
      }
    }
  });
});

/** A member that demands a client certificate from our CA (NGINX ssl_verify_client on) and answers with its CN. */
function mtlsMember(maxVersion: "TLSv1.2" | "TLSv1.3" = "TLSv1.3") {
  const server = tlsServer({ cert: good.certPem, key: good.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, maxVersion }, (s: TLSSocket) => {
    s.on("data", () => {
      const body = `client=${(s.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN}`;
      s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    });
    s.on("error", () => {});
  });
  const ready = new Promise<number>((ok) => server.listen(0, "127.0.0.1", () => ok((server.address() as { port: number }).port)));
  return { ready, stop: () => server.close() };
}

/** A routes.json directory with the members' CA (ca.pem) and a client certificate from it (client.crt, client.key). */
async function clientCertDir(cn: string) {
  const dir = tempDir();
  const mine = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn, sans: ["edge.example.com"] });
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  writeFileSync(join(dir, "client.crt"), mine.certPem);
  writeFileSync(join(dir, "client.key"), mine.keyPem);
  return { dir, mine };
}

describe("pools.*.tls.cert and key: a client certificate for members that ask for one", () => {
  const m = mtlsMember();
  const m12 = mtlsMember("TLSv1.2");
  afterAll(() => (m.stop(), m12.stop()));

  test("a TLS 1.2 member that wants a client certificate (handshake_failure: 1.2 has no certificate_required) is a connect failure naming tls.cert, and a POST moves on to the next member; given tls.cert it answers", async () => {
    const old = `https://127.0.0.1:${await m12.ready}`;
    const open = member("open", good);
    const { dir } = await clientCertDir("edge-12");
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }], accessLog: { path: "/dev/null" },
      pools: {
        // maxFails high: the TLS 1.2 member stays in, so every POST meets it first (round robin starts there).
        bare: { members: [{ url: old }, { url: open.url }], tls: { ca: "ca.pem" }, retries: 1, health: { passive: { maxFails: 100 } } },
        app: { members: [{ url: old }], tls: { ca: "ca.pem", cert: "client.crt", key: "client.key" } },
      },
      routes: [{ path: "/bare", pool: "bare" }, { path: "/", pool: "app" }],
    }, { dir });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await fetch(`${p.url}/bare`, { method: "POST", body: "x" });
        expect([r.status, ((await r.json()) as { name: string }).name]).toEqual([200, "open"]);
      }
      await p.waitFor(`pool=bare member=${old} connect failed: TLS: the member refused the handshake: it wants a client certificate (give it as tls.cert and tls.key)`);
      const r = await fetch(`${p.url}/x`);
      expect([r.status, await r.text()]).toEqual([200, "client=edge-12"]);
    } finally {
      await p.stop();
      open.stop();
    }
  });

  test("an encrypted client key opens with tls.passphraseFile (NGINX proxy_ssl_password_file); a wrong one stops the start at that path", async () => {
    const url = `https://127.0.0.1:${await m.ready}`;
    const dir = tempDir();
    const mine = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "edge-sealed", sans: ["edge.example.com"] });
    writeFileSync(join(dir, "ca.pem"), ca.certPem);
    writeFileSync(join(dir, "client.crt"), mine.certPem);
    writeFileSync(join(dir, "client.key"), encryptPrivateKeyPem(mine.keyPem, "vault-pass"));
    writeFileSync(join(dir, "client.pass"), "vault-pass\n");
    writeFileSync(join(dir, "wrong.pass"), "guess\n");
    const config = (pass: string) => ({
      listeners: [{ port: 0, host: "127.0.0.1" }], accessLog: { path: "/dev/null" },
      pools: { app: { members: [{ url }], tls: { ca: "ca.pem", cert: "client.crt", key: "client.key", passphraseFile: pass } } },
      routes: [{ path: "/", pool: "app" }],
    });
    writeFileSync(join(dir, "wrong.json"), JSON.stringify(config("wrong.pass")));
    const refused = await runBinary(["--routes", join(dir, "wrong.json")]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("pools.app.tls.passphraseFile: the passphrase does not decrypt client.key");
    const p = await startProxy(config("client.pass"), { dir });
    try {
      const r = await fetch(`${p.url}/x`);
      expect([r.status, await r.text()]).toEqual([200, "client=edge-sealed"]);
    } finally {
      await p.stop();
    }
  });

  test("members get the client certificate (200 with its CN); after SIGHUP with another certificate file they get the new one, and /metrics its expiry", async () => {
    const url = `https://127.0.0.1:${await m.ready}`;
    const adminPort = closedPort();
    const { dir, mine } = await clientCertDir("edge-proxy");
    const next = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "edge-proxy-2", sans: ["edge.example.com"] });
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }], accessLog: { path: "/dev/null" },
      pools: { app: { members: [{ url }], tls: { ca: "ca.pem", cert: "client.crt", key: "client.key" }, retries: 0 }, bare: { members: [{ url }], tls: { ca: "ca.pem" }, retries: 0 } },
      routes: [{ path: "/bare", pool: "bare" }, { path: "/", pool: "app" }],
      admin: { listen: `127.0.0.1:${adminPort}` },
    }, { dir });
    const expiry = async () => (await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text()).split("\n").filter((l) => l.startsWith("edge_proxy_upstream_certificate_expiry_timestamp_seconds{"));
    const unix = (pem: string) => Math.floor(new X509Certificate(pem).validToDate.getTime() / 1000);
    try {
      await p.waitFor("admin listening on");
      expect(await expiry()).toEqual([`edge_proxy_upstream_certificate_expiry_timestamp_seconds{pool="app",name="edge-proxy"} ${unix(mine.certPem)}`]);
      const r = await fetch(`${p.url}/x`);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe("client=edge-proxy");
      const bare = await fetch(`${p.url}/bare`);
      expect(bare.status).toBe(502);
      await p.waitFor("pool=bare member=" + url + " upstream error: TLS: the member asks for a client certificate; give it as tls.cert and tls.key (TLSV1_ALERT_CERTIFICATE_REQUIRED)");
      writeFileSync(join(dir, "client.crt"), next.certPem);
      writeFileSync(join(dir, "client.key"), next.keyPem);
      p.proc.kill("SIGHUP");
      await p.waitFor(/reload \(SIGHUP\): generation 2;[^\n]*pools ~app tls\.cert-file/);
      expect(await (await fetch(`${p.url}/x`)).text()).toBe("client=edge-proxy-2");
      expect(await expiry()).toEqual([`edge_proxy_upstream_certificate_expiry_timestamp_seconds{pool="app",name="edge-proxy-2"} ${unix(next.certPem)}`]);
    } finally {
      await p.stop();
    }
  });
});

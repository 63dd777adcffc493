import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startProxy, tempDir, type RunningProxy } from "./harness.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";

// https:// members get a certificate from the proxy's own CA code; the pool trusts that CA.
const upstreamCa = await createCA({ cn: "Member CA" });
const memberCert = await issueLeaf({ caCertPem: upstreamCa.certPem, caKeyPem: upstreamCa.keyPem, cn: "member", sans: ["127.0.0.1"] });

/** A raw TCP (or TLS) upstream: records the request head bytes exactly and answers with a fixed response. */
function rawUpstream(answer: (head: string) => string | Buffer, kind: "http" | "https" = "http") {
  const heads: string[] = [];
  const server = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1", port: 0,
    tls: kind === "https" ? { cert: memberCert.certPem, key: memberCert.keyPem } : undefined,
    socket: {
      open(s) { s.data = { buf: "" }; },
      data(s, d) {
        s.data.buf += d.toString("latin1");
        const end = s.data.buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = s.data.buf.slice(0, end + 4);
        s.data.buf = s.data.buf.slice(end + 4);
        heads.push(head);
        s.write(answer(head));
      },
    },
  });
  return { heads, url: `${kind}://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

/** A temp dir for routes.json and the pool's `tls` for an https:// member (the member CA in a file). */
function memberSetup(kind: "http" | "https") {
  const dir = tempDir();
  writeFileSync(join(dir, "member-ca.crt"), upstreamCa.certPem);
  return { dir, tls: kind === "https" ? { tls: { ca: "member-ca.crt" } } : {} };
}

for (const kind of ["http", "https"] as const) describe(`fidelity (${kind}:// member): only the documented changes, both ways`, () => {
  const gz = gzipSync("hello hello hello hello");
  const up = rawUpstream(() => Buffer.concat([Buffer.from(
    "HTTP/1.1 200 OK\r\nContent-Length: " + gz.length + "\r\nContent-Encoding: gzip\r\nX-Custom: a\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n" +
    "Connection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n\r\n"), gz]), kind);
  let p: RunningProxy;
  beforeAll(async () => {
    const m = memberSetup(kind);
    p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: up.url }], ...m.tls } }, routes: [{ path: "/", pool: "u", allowEncodedSlashes: true }], accessLog: { path: "/dev/null" } }, { dir: m.dir });
  });
  afterAll(async () => { await p.stop(); up.stop(); });

  test("the upstream gets the client's headers, no invented User-Agent/Accept/Accept-Encoding, no hop-by-hop", async () => {
    const proc = Bun.spawn(["curl", "-s", "-o", "/dev/null", "-H", "User-Agent:", "-H", "Accept:", "-H", "X-Mine: 1", "-H", "Connection: close, X-Drop", "-H", "X-Drop: y", "-H", "TE: trailers", `${p.url}/a/%2Fb?x=%2F`]);
    await proc.exited;
    const head = up.heads.at(-1)!;
    expect(head).toStartWith("GET /a/%2Fb?x=%2F HTTP/1.1\r\n");
    const names = head.split("\r\n").slice(1).filter(Boolean).map((l) => l.split(":")[0]!.toLowerCase());
    expect(names).toContain("x-mine");
    expect(names).toContain("x-forwarded-for");
    for (const absent of ["user-agent", "accept", "accept-encoding", "x-drop", "te"]) expect(names).not.toContain(absent);
  });

  test("bytes >= 0x80 in the target reach the member as sent, not re-encoded as UTF-8", async () => {
    const sent = Buffer.from("GET /caf\xc3\xa9/\xe9?q=\xff HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n", "latin1");
    const u = new URL(p.url);
    await new Promise<void>((done) => void Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: { open: (s) => void s.write(sent), data() {}, close: () => done() } }));
    expect(JSON.stringify(up.heads.at(-1)!.split("\r\n")[0])).toBe(JSON.stringify("GET /caf\xc3\xa9/\xe9?q=\xff HTTP/1.1"));
  });

  test("the client gets the upstream's status, headers and compressed bytes untouched", async () => {
    const res = await fetch(p.url + "/z", { decompress: false } as RequestInit);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("x-custom")).toBe("a");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(res.headers.get("x-hop")).toBeNull();
    expect(res.headers.get("keep-alive")).toBeNull();
    expect(Buffer.from(await res.arrayBuffer()).equals(gz)).toBe(true);
  });

  test("X-Forwarded-For from an untrusted client is replaced, not appended", async () => {
    await fetch(p.url + "/xff", { headers: { "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https" } });
    const head = up.heads.at(-1)!.toLowerCase();
    expect(head).toContain("x-forwarded-for: 127.0.0.1\r\n");
    expect(head).toContain("x-forwarded-proto: http\r\n");
  });

  test("X-Forwarded-Prefix, -Ssl, -Server from an untrusted client (URLs and the scheme in Spring, Rack) never reach the member", async () => {
    await fetch(p.url + "/xfo", { headers: { "x-forwarded-prefix": "/evil", "X-Forwarded-Ssl": "on", "x-forwarded-server": "a", "x_forwarded_scheme": "https", "x-forwardedness": "kept" } });
    const head = up.heads.at(-1)!.toLowerCase();
    expect(head).not.toMatch(/x-forwarded-(prefix|ssl|server)|x_forwarded/);
    expect(head).toContain("x-forwardedness: kept\r\n");
  });
});

for (const kind of ["http", "https"] as const) describe(`X-Forwarded-* from trusted proxies is kept (${kind}:// member)`, () => {
  const up = rawUpstream(() => "HTTP/1.1 204 No Content\r\n\r\n", kind);
  let p: RunningProxy;
  beforeAll(async () => {
    const m = memberSetup(kind);
    p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: up.url }], ...m.tls } }, routes: [{ path: "/", pool: "u" }], trustedProxies: ["127.0.0.0/8"], accessLog: { path: "/dev/null" } }, { dir: m.dir });
  });
  afterAll(async () => { await p.stop(); up.stop(); });
  test("appends to XFF and keeps the proto", async () => {
    const res = await fetch(p.url + "/t", { headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" } });
    expect(res.status).toBe(204);
    const head = up.heads.at(-1)!.toLowerCase();
    expect(head).toContain("x-forwarded-for: 203.0.113.9, 127.0.0.1\r\n");
    expect(head).toContain("x-forwarded-proto: https\r\n");
  });

  test("the other X-Forwarded-* fields of a trusted proxy pass as sent", async () => {
    await fetch(p.url + "/t2", { headers: { "x-forwarded-prefix": "/app", "x-forwarded-ssl": "on" } });
    const head = up.heads.at(-1)!.toLowerCase();
    expect(head).toContain("x-forwarded-prefix: /app\r\n");
    expect(head).toContain("x-forwarded-ssl: on\r\n");
  });
});

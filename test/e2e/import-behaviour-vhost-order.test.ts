/**
 * Which site a Host reaches, under real httpd / NGINX and, imported, under dist/proxy: httpd
 * takes the first vhost of the port whose ServerName or ServerAlias matches (wildcards
 * included); NGINX the exact name, then the longest wildcard, then the default server; a name
 * two sites list belongs to the first. The default site's own names are never taken by a
 * later site's wildcard.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_APACHE, HAS_NGINX, freePort, importAndServe, name, namedUpstream, request, startApache, startNginx, type Peer } from "./peers.ts";

type Up = ReturnType<typeof namedUpstream>;

function compare(kind: "apache" | "nginx", conf: (port: number, m: Up[]) => string, cases: [string, string, string | number][]) {
  const dir = tempDir();
  let m: Up[], peer: Peer, proxy: RunningProxy, port: number;
  beforeAll(async () => {
    m = ["m0", "m1", "m2", "m3"].map((n) => namedUpstream(n));
    port = freePort();
    writeFileSync(join(dir, "site.conf"), conf(port, m));
    peer = kind === "apache" ? await startApache(dir, [port], join(dir, "site.conf")) : await startNginx(dir, port, `include ${join(dir, "site.conf")};`);
    proxy = await importAndServe(kind, dir, join(dir, "site.conf"));
  });
  afterAll(async () => {
    await peer?.stop();
    await proxy?.stop();
    for (const u of m ?? []) u.stop();
  });
  const seen = async (url: string, host: string) => {
    const r = await request(url, { host });
    return r.status === 200 ? name(r.body) : r.status;
  };
  test("each host and path reaches the same site (member, or the site's own 404) in both", async () => {
    for (const [host, path, want] of cases) {
      const got = await Promise.all([`http://127.0.0.1:${port}`, proxy.url].map((u) => seen(u + path, host)));
      expect([host, path, ...got]).toEqual([host, path, want, want]);
    }
  });
}

const vhost = (port: number, names: string[], path: string, up: Up) =>
  `<VirtualHost 127.0.0.1:${port}>\n${names.map((n, i) => `${i ? "ServerAlias" : "ServerName"} ${n}\n`).join("")}DocumentRoot /nonexistent\nProxyPass ${path} http://127.0.0.1:${up.port}${path}\n</VirtualHost>\n`;

describe.skipIf(!HAS_APACHE)("Apache: the first vhost whose name matches", () => {
  compare("apache", (p, m) => vhost(p, ["am.example.com"], "/", m[0]!) + vhost(p, ["is.example.com", "*.example.com"], "/carbon", m[1]!) + vhost(p, ["gw.local", "am.example.com"], "/api", m[2]!) + vhost(p, ["api.example.com"], "/", m[3]!) + vhost(p, ["is.example.com"], "/", m[2]!), [
    ["am.example.com", "/carbon/x", "m0"], ["am.example.com", "/api/x", "m0"], ["foo", "/carbon/x", "m0"],
    ["api.example.com", "/carbon/a", "m1"], ["api.example.com", "/x", 404], ["is.example.com", "/x", 404], ["gw.local", "/api/x", "m2"],
  ]);
});

describe.skipIf(!HAS_NGINX)("NGINX: exact name, longest wildcard, default server; the first server of a name", () => {
  compare("nginx", (p, m) => [
    `server { listen 127.0.0.1:${p}; server_name .example.com; root /nonexistent; location /carbon/ { proxy_pass http://127.0.0.1:${m[1]!.port}; } }`,
    `server { listen 127.0.0.1:${p} default_server; server_name am.example.com; location / { proxy_pass http://127.0.0.1:${m[0]!.port}; } }`,
    `server { listen 127.0.0.1:${p}; server_name dup.local; root /nonexistent; location /a/ { proxy_pass http://127.0.0.1:${m[1]!.port}; } }`,
    `server { listen 127.0.0.1:${p}; server_name dup.local; location / { proxy_pass http://127.0.0.1:${m[2]!.port}; } }`,
    `server { listen 127.0.0.1:${p}; server_name _; location /metrics { proxy_pass http://127.0.0.1:${m[3]!.port}; } }`,
  ].join("\n"), [
    ["am.example.com", "/carbon/x", "m0"], ["foo", "/carbon/x", "m0"], ["x.example.com", "/carbon/x", "m1"], ["x.example.com", "/x", 404],
    ["dup.local", "/x", 404], ["dup.local", "/a/x", "m1"], ["foo", "/metrics", "m0"],
  ]);
});

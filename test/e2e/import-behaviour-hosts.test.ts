/**
 * Name-based sites under real httpd / NGINX and, imported, under dist/proxy: a request for a
 * named vhost or server whose path none of its ProxyPass / locations match is answered by that
 * site (404 from its document root in the source), never by the default site's backend.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_APACHE, HAS_NGINX, freePort, importAndServe, name, namedUpstream, request, startApache, startNginx, type Peer } from "./peers.ts";

type Up = ReturnType<typeof namedUpstream>;

function compare(kind: "apache" | "nginx", conf: (port: number, a: Up, b: Up) => string) {
  const dir = tempDir();
  let a: Up, b: Up, peer: Peer, proxy: RunningProxy, port: number;
  beforeAll(async () => {
    a = namedUpstream("default");
    b = namedUpstream("named");
    port = freePort();
    writeFileSync(join(dir, "site.conf"), conf(port, a, b));
    peer = kind === "apache" ? await startApache(dir, [port], join(dir, "site.conf")) : await startNginx(dir, port, `include ${join(dir, "site.conf")};`);
    proxy = await importAndServe(kind, dir, join(dir, "site.conf"));
  });
  afterAll(async () => {
    await peer?.stop();
    await proxy?.stop();
    a?.stop();
    b?.stop();
  });
  const both = (path: string, host: string) => Promise.all([`http://127.0.0.1:${port}`, proxy.url].map((u) => request(u + path, { host })));

  test("the named site's own path reaches its member, and another host reaches the default's, in both", async () => {
    for (const [path, host, member] of [["/api/x", "b.example", "named"], ["/other", "elsewhere.example", "default"]] as const) {
      const [s, p] = await both(path, host);
      expect([name(s!.body), name(p!.body)]).toEqual([member, member]);
    }
  });

  test("a path the named site does not proxy is 404 in both, not the default site's member", async () => {
    const [s, p] = await both("/other/x", "b.example");
    expect([s!.status, p!.status]).toEqual([404, 404]);
  });
}

describe.skipIf(!HAS_APACHE)("Apache: a named vhost without ProxyPass /", () => {
  compare("apache", (port, a, b) => `<VirtualHost 127.0.0.1:${port}>\nServerName a.example\nDocumentRoot /nonexistent\nProxyPass / http://127.0.0.1:${a.port}/\n</VirtualHost>\n<VirtualHost 127.0.0.1:${port}>\nServerName b.example\nDocumentRoot /nonexistent\nProxyPass /api http://127.0.0.1:${b.port}/api\n</VirtualHost>\n`);
});

describe.skipIf(!HAS_NGINX)("NGINX: a server_name server without location /", () => {
  compare("nginx", (port, a, b) => `server { listen 127.0.0.1:${port}; location / { proxy_pass http://127.0.0.1:${a.port}; } }\nserver { listen 127.0.0.1:${port}; server_name b.example; root /nonexistent; location /api { proxy_pass http://127.0.0.1:${b.port}; } }\n`);
});

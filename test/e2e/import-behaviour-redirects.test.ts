/**
 * Redirects that keep the path under real httpd / NGINX and, imported (routes[].redirect.keepPath),
 * under dist/proxy: the same status and Location for the rest of the path and the query. Also
 * redirect-only sites of one port that redirect differently (each keeps its own target, where one
 * redirectHttps would send them all one way) and a main-server Redirect, which mod_alias merges
 * into every vhost after its own.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_APACHE, HAS_NGINX, freePort, importAndServe, name, namedUpstream, request, startApache, startNginx, type Peer } from "./peers.ts";

type Up = ReturnType<typeof namedUpstream>;

function compare(kind: "apache" | "nginx", conf: (port: number, up: Up) => string) {
  const dir = tempDir();
  const ctx = {} as { up: Up; peer: Peer; proxy: RunningProxy; port: number };
  beforeAll(async () => {
    ctx.up = namedUpstream("app");
    ctx.port = freePort();
    writeFileSync(join(dir, "site.conf"), conf(ctx.port, ctx.up));
    ctx.peer = kind === "apache" ? await startApache(dir, [ctx.port], join(dir, "site.conf")) : await startNginx(dir, ctx.port, `include ${join(dir, "site.conf")};`);
    ctx.proxy = await importAndServe(kind, dir, join(dir, "site.conf"));
  });
  afterAll(async () => {
    await ctx.peer?.stop();
    await ctx.proxy?.stop();
    ctx.up?.stop();
  });
  return (path: string, host = "h.example") => Promise.all([`http://127.0.0.1:${ctx.port}`, ctx.proxy.url].map((u) => request(u + path, { host })));
}

describe.skipIf(!HAS_APACHE)("Apache Redirect and RedirectMatch: httpd and the imported keepPath redirects answer alike", () => {
  const both = compare("apache", (port, up) => `<VirtualHost 127.0.0.1:${port}>\nDocumentRoot /nonexistent\n${[
    "Redirect /a https://n.example/x", "Redirect /b https://n.example/x/", "Redirect /d/ https://n.example/x/", "Redirect 301 /e https://n.example",
    "RedirectMatch 308 ^/m/(.*)$ https://m.example/q/$1", `ProxyPass /api http://127.0.0.1:${up.port}/api`, "Redirect /api/r https://n.example/r",
  ].join("\n")}\n</VirtualHost>\n`);

  test("the rest of the path and the query follow the URL, slashes merged and unreserved escapes decoded, in both", async () => {
    for (const path of ["/a", "/a/", "/a/s/t?q=1&r", "/a?q", "/a/%7Es", "/a//s", "/a/s%20t", "/b", "/b?q", "/d/", "/d/s?q", "/e", "/e?q", "/e/s", "/m/x/y?q"]) {
      const [h, p] = await both(path);
      expect({ path, status: p!.status, location: p!.location }).toEqual({ path, status: h!.status, location: h!.location });
    }
  });

  test("URL-path without / and URL with /: httpd sends a double slash, the import one (the noted difference)", async () => {
    const [h, p] = await both("/b/s");
    expect([h!.location, p!.location]).toEqual(["https://n.example/x//s", "https://n.example/x/s"]);
  });

  test("a Redirect under a ProxyPass prefix is never used, as mod_proxy translates first, in both", async () => {
    const [h, p] = await both("/api/r/s");
    expect([name(h!.body), name(p!.body)]).toEqual(["app", "app"]);
  });
});

describe.skipIf(!HAS_NGINX)("NGINX redirect servers on a port where another proxies: NGINX and the imported routes answer alike", () => {
  const both = compare("nginx", (port, up) => [
    `server { listen 127.0.0.1:${port}; location / { proxy_pass http://127.0.0.1:${up.port}; } location /old { return 301 https://f2.example$request_uri; } }`,
    `server { listen 127.0.0.1:${port}; server_name a.example b.example; return 301 https://$host$request_uri; }`,
    `server { listen 127.0.0.1:${port}; server_name c.example; return 308 https://new.example:8443$request_uri; }`,
    `server { listen 127.0.0.1:${port}; server_name d.example; rewrite ^/(.*)$ https://d2.example/$1 permanent; }`,
    `server { listen 127.0.0.1:${port}; server_name e.example; rewrite ^(.*)$ https://e2.example$1 redirect; }`,
  ].join("\n"));

  test("each server_name is redirected with its path and query, in both", async () => {
    for (const host of ["a.example", "B.example:8080", "c.example", "d.example", "e.example"]) {
      for (const path of ["/", "/ab", "/a/s?q=1", "/a%20b", "/?q"]) {
        const [n, p] = await both(path, host);
        expect({ host, path, status: p!.status, location: p!.location }).toEqual({ host, path, status: n!.status, location: n!.location });
      }
    }
  });

  test("a location's return with $request_uri keeps the prefix and the rest; other paths still proxy, in both", async () => {
    for (const path of ["/old", "/old/x?q"]) {
      const [n, p] = await both(path);
      expect([p!.status, p!.location]).toEqual([n!.status, n!.location]);
    }
    const [n, p] = await both("/other");
    expect([name(n!.body), name(p!.body)]).toEqual(["app", "app"]);
  });
});

/** Each host and path gets the same status and Location (or member) in both. */
async function sameAnswers(both: ReturnType<typeof compare>, cases: [string, string][]) {
  for (const [host, path] of cases) {
    const [s, p] = await both(path, host);
    const seen = (r: typeof s) => [r!.status, r!.location ?? (r!.status === 200 ? name(r!.body) : "")];
    expect([host, path, ...seen(p)]).toEqual([host, path, ...seen(s)]);
  }
}

describe.skipIf(!HAS_APACHE)("Apache: vhosts redirecting to different URLs on one port, and a main-server Redirect", () => {
  const both = compare("apache", (port, up) => `Redirect /legacy https://new.example/portal\n${[
    "ServerName is.example\nRedirect permanent / https://is.example:8443/", "ServerName am.example\nRedirect / https://am.example:9443/",
    `ServerName pub.example\nProxyPass /pub http://127.0.0.1:${up.port}/pub`,
  ].map((v) => `<VirtualHost 127.0.0.1:${port}>\nDocumentRoot /nonexistent\n${v}\n</VirtualHost>\n`).join("")}`);
  test("each vhost's names get its own target, the default's for every other host; the main Redirect where no vhost Redirect comes first", () =>
    sameAnswers(both, [["is.example", "/a?x"], ["foo", "/a"], ["am.example", "/a?q"], ["am.example", "/legacy/a"], ["pub.example", "/legacy/a?q"], ["pub.example", "/pub/x"]]));
});

describe.skipIf(!HAS_NGINX)("NGINX: servers redirecting to different ports on one port", () => {
  const both = compare("nginx", (port) => [
    `server { listen 127.0.0.1:${port} default_server; server_name is.example; return 301 https://$host:8443$request_uri; }`,
    `server { listen 127.0.0.1:${port}; server_name am.example; return 302 https://$server_name:9443$request_uri; }`,
  ].join("\n"));
  test("each server_name keeps its server's port and status, in both", () => sameAnswers(both, [["is.example", "/a/b?x=1"], ["am.example", "/a?q"], ["AM.example", "/"]]));
});

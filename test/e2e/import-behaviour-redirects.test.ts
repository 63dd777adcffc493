/**
 * Redirects that keep the path under real httpd / NGINX and, imported (routes[].redirect.keepPath),
 * under dist/proxy: the same status and Location for the rest of the path and the query.
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

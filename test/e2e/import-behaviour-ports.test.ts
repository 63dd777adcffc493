/**
 * Sites on two listener ports under real httpd / NGINX and, imported, under dist/proxy: two
 * vhosts (servers) with the same ServerName (server_name) and path on different ports go to
 * different backends, because httpd and NGINX pick the site by the port a request came in on
 * before its Host. The import keeps them apart with routes[].ports. And `<VirtualHost *>` (no
 * port) answers on every port Listen opens: httpd parses the missing port as 0, which
 * matches connections on any port (vhost.c), so the import gives it every Listen port.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runBinary, startProxy, tempDir, type RunningProxy } from "./harness.ts";
import { HAS_APACHE, HAS_NGINX, freePort, name, namedUpstream, request, startApache, startNginx, type Peer } from "./peers.ts";

type Up = ReturnType<typeof namedUpstream>;

/** routes.json with each listener moved to a free port, and routes[].ports renamed to match. */
function movePorts(routes: { listeners: { port: number; host?: string }[]; routes: { ports?: number[] }[] }): number[] {
  const moved = new Map(routes.listeners.map((l) => [l.port, freePort()]));
  for (const l of routes.listeners) Object.assign(l, { port: moved.get(l.port), host: "127.0.0.1" });
  for (const r of routes.routes) if (r.ports) r.ports = r.ports.map((p) => moved.get(p)!);
  return [...moved.values()];
}

/** Imports `file`, serves the result on free ports; returns the routes as imported and the proxy's ports. */
async function importOnPorts(kind: "apache" | "nginx", dir: string, file: string) {
  const r = await runBinary(["import", kind, file, "-o", join(dir, "routes.json")]);
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
  const imported = JSON.parse(readFileSync(join(dir, "routes.json"), "utf8"));
  const routes = JSON.parse(readFileSync(join(dir, "routes.json"), "utf8"));
  const proxied = movePorts(routes);
  return { imported: imported as { routes: { ports?: number[] }[] }, proxied, proxy: await startProxy(routes, { dir }) };
}

async function stopAll(peer: Peer | undefined, proxy: RunningProxy | undefined, ups: (Up | undefined)[]) {
  await peer?.stop();
  await proxy?.stop();
  for (const u of ups) u?.stop();
}

function compare(kind: "apache" | "nginx", conf: (ports: number[], a: Up, b: Up) => string) {
  const dir = tempDir();
  let a: Up, b: Up, peer: Peer, proxy: RunningProxy, ports: number[], proxied: number[], imported: { routes: { ports?: number[] }[] };
  beforeAll(async () => {
    a = namedUpstream("first-port");
    b = namedUpstream("second-port");
    ports = [freePort(), freePort()];
    writeFileSync(join(dir, "site.conf"), conf(ports, a, b));
    peer = kind === "apache" ? await startApache(dir, ports, join(dir, "site.conf")) : await startNginx(dir, ports[0]!, `include ${join(dir, "site.conf")};`);
    ({ imported, proxied, proxy } = await importOnPorts(kind, dir, join(dir, "site.conf")));
  });
  afterAll(() => stopAll(peer, proxy, [a, b]));

  test("the import gives each route the port of its site", () => {
    expect(imported.routes.map((r) => r.ports)).toEqual(ports.map((p) => [p]));
  });

  test("each port reaches the same backend in the source server and in the proxy", async () => {
    for (const [i, member] of [[0, "first-port"], [1, "second-port"]] as const) {
      const [s, p] = await Promise.all([ports[i], proxied[i]].map((port) => request(`http://127.0.0.1:${port}/api/x`, { host: "x.example" })));
      expect([name(s!.body), name(p!.body)]).toEqual([member, member]);
    }
  });
}

describe.skipIf(!HAS_APACHE)("Apache: two vhosts on two ports with the same ServerName and ProxyPass", () => {
  compare("apache", ([p1, p2], a, b) => ([[p1, a], [p2, b]] as [number, Up][]).map(([port, up]) => `<VirtualHost 127.0.0.1:${port}>\nServerName x.example\nDocumentRoot /nonexistent\nProxyPass /api http://127.0.0.1:${up.port}/api\nProxyPassReverse /api http://127.0.0.1:${up.port}/api\n</VirtualHost>\n`).join(""));
});

describe.skipIf(!HAS_NGINX)("NGINX: two servers on two ports with the same server_name and location", () => {
  compare("nginx", ([p1, p2], a, b) => ([[p1, a], [p2, b]] as [number, Up][]).map(([port, up]) => `server { listen 127.0.0.1:${port}; server_name x.example; location /api { proxy_pass http://127.0.0.1:${up.port}; } }\n`).join(""));
});

describe.skipIf(!HAS_APACHE)("Apache: <VirtualHost *> with two Listen ports", () => {
  const dir = tempDir();
  let up: Up, peer: Peer, proxy: RunningProxy, ports: number[], proxied: number[];
  beforeAll(async () => {
    up = namedUpstream("any-port");
    ports = [freePort(), freePort()];
    writeFileSync(join(dir, "site.conf"), `<VirtualHost *>\nServerName x.example\nDocumentRoot /nonexistent\nProxyPass /api http://127.0.0.1:${up.port}/api\n</VirtualHost>\n`);
    // httpd gets its Listen lines from startApache; the import reads the same ones from main.conf.
    writeFileSync(join(dir, "main.conf"), `${ports.map((p) => `Listen 127.0.0.1:${p}\n`).join("")}Include ${join(dir, "site.conf")}\n`);
    peer = await startApache(dir, ports, join(dir, "site.conf"));
    ({ proxied, proxy } = await importOnPorts("apache", dir, join(dir, "main.conf")));
  });
  afterAll(() => stopAll(peer, proxy, [up]));

  test("a request on either port reaches the backend in httpd and in the proxy", async () => {
    const seen = await Promise.all([...ports, ...proxied].map((port) => request(`http://127.0.0.1:${port}/api/x`, { host: "x.example" })));
    expect(seen.map((s) => (s.status === 200 ? name(s.body) : s.status))).toEqual(["any-port", "any-port", "any-port", "any-port"]);
  });
});

/**
 * Seed 004's "HA for Gateway" NGINX configuration under real NGINX and, imported, under
 * dist/proxy, with the same HTTPS members: round-robin spread, the default server, Host
 * passing ($http_host), the port-80 redirect and a member redirect through proxy_redirect.
 *
 * Test-only adaptations: the placeholders' addresses become loopback members; `listen 80` and
 * `listen 443` become free loopback ports; certificate and log paths point into the test's
 * directory; the certificate is made with `proxy cert`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_NGINX, certs, freePort, importAndServe, name, namedUpstream, request, spread, startNginx, type Peer } from "./peers.ts";

const FIXTURE = join(import.meta.dir, "../import/fixtures/004-apim-nginx-ha-for-gateway.conf");

describe.skipIf(!HAS_NGINX)("seed 004 HA for Gateway: NGINX and the imported routes.json behave alike", () => {
  const dir = tempDir();
  const ups: ReturnType<typeof namedUpstream>[] = [];
  let nginx: Peer, proxy: RunningProxy;
  let plain: number, secure: number;
  beforeAll(async () => {
    const tls = await certs(dir, "gw.am.wso2.com,mgtgw.am.wso2.com,localhost,127.0.0.1");
    ups.push(namedUpstream("gwm", tls), namedUpstream("gw1", tls), namedUpstream("gw2", tls));
    plain = freePort();
    secure = freePort();
    mkdirSync(join(dir, "logs"), { recursive: true });
    const conf = readFileSync(FIXTURE, "utf8")
      .replace("10.0.0.30:9443", `127.0.0.1:${ups[0]!.port}`)
      .replace("10.0.0.31:8243", `127.0.0.1:${ups[1]!.port}`)
      .replace("10.0.0.32:8243", `127.0.0.1:${ups[2]!.port}`)
      .replaceAll("listen 80;", `listen 127.0.0.1:${plain};`)
      .replaceAll("listen 443;", `listen 127.0.0.1:${secure};`)
      .replaceAll("/etc/nginx/ssl/am.crt", join(dir, "server.crt"))
      .replaceAll("/etc/nginx/ssl/am.key", join(dir, "server.key"))
      .replace(/\/etc\/nginx\/log\/(\w+)\/https\//g, `${dir}/logs/$1-`);
    writeFileSync(join(dir, "seed.conf"), conf);
    nginx = await startNginx(dir, secure, `include ${join(dir, "seed.conf")};`);
    proxy = await importAndServe("nginx", dir, join(dir, "seed.conf"));
  });
  afterAll(async () => {
    await nginx?.stop();
    await proxy?.stop();
    for (const u of ups) u.stop();
  });
  const nginxTls = () => `https://127.0.0.1:${secure}`;

  test("gw.am.wso2.com alternates between its two members in both, and the member sees the client's Host", async () => {
    for (const base of [nginxTls(), proxy.urls[1]!]) {
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await request(`${base}/api/x`, { host: "gw.am.wso2.com" });
        expect(JSON.parse(r.body).host).toBe("gw.am.wso2.com");
        seen.push(name(r.body));
      }
      expect(spread(seen)).toEqual({ gw1: 3, gw2: 3 });
    }
  });

  test("a Host no server names goes to the port's first server (mgtgw) in both", async () => {
    for (const base of [nginxTls(), proxy.urls[1]!]) {
      expect(name((await request(`${base}/`, { host: "other.example" })).body)).toBe("gwm");
    }
  });

  test("port 80 redirects to https with the same status and Location", async () => {
    const a = await request(`http://127.0.0.1:${plain}/carbon/x?y=1`, { host: "mgtgw.am.wso2.com" });
    const p = await request(`${proxy.urls[0]}/carbon/x?y=1`, { host: "mgtgw.am.wso2.com" });
    expect(a.status).toBe(301);
    expect({ status: p.status, location: p.location }).toEqual({ status: a.status, location: a.location });
  });

  test("a member's redirect naming the upstream resolves to the same URL in both (proxy_redirect default)", async () => {
    for (const target of ["https://sslgw.am.wso2.com/store/next", "/relative/next"]) {
      const path = `/login?to=${encodeURIComponent(target)}`;
      const a = await request(`${nginxTls()}${path}`, { host: "gw.am.wso2.com" });
      const p = await request(`${proxy.urls[1]}${path}`, { host: "gw.am.wso2.com" });
      expect(a.status).toBe(302);
      const resolved = (l?: string) => new URL(l!, "https://gw.am.wso2.com/login").href;
      // NGINX writes its listen port into the URL (port_in_redirect), which is 443, and so left
      // out, on the seed's own listener: only the test's adapted port is removed.
      expect(resolved(p.location)).toBe(resolved(a.location).replace(`:${secure}/`, "/"));
    }
  });
});

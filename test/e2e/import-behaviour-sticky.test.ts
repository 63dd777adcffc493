/**
 * Seed 003 (httpd's own sticky cookie, `Header add Set-Cookie "ROUTEID=.%{BALANCER_WORKER_ROUTE}e"`
 * with `stickysession=ROUTEID`, TLS with a chain, and a port 80 `Redirect permanent`) under real
 * httpd and, imported, under dist/proxy: the cookie each sets, stickiness, and the redirect.
 *
 * Test-only adaptations: ports become free loopback ports; members ind.talentify.in:7080/8080
 * become loopback upstreams; certificate paths point at files made with `proxy cert`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_APACHE, certs, freePort, importAndServe, name, namedUpstream, request, startApache, type Peer } from "./peers.ts";

const FIXTURE = join(import.meta.dir, "../import/fixtures/003-talentify.conf");

describe.skipIf(!HAS_APACHE)("seed 003 (insert-mode ROUTEID, TLS, port 80 redirect): httpd and the imported routes.json behave alike", () => {
  const dir = tempDir();
  const ups: ReturnType<typeof namedUpstream>[] = [];
  let apache: Peer, proxy: RunningProxy;
  let plain: number, secure: number;
  beforeAll(async () => {
    await certs(dir, "ind.talentify.in,localhost,127.0.0.1");
    copyFileSync(join(dir, "ca.crt"), join(dir, "Root-R1.crt"));
    ups.push(namedUpstream("m1"), namedUpstream("m2"));
    plain = freePort();
    secure = freePort();
    const conf = readFileSync(FIXTURE, "utf8")
      .replace("*:80", `127.0.0.1:${plain}`).replace("*:443", `127.0.0.1:${secure}`)
      .replace("http://ind.talentify.in:7080", `http://127.0.0.1:${ups[0]!.port}`)
      .replace("http://ind.talentify.in:8080", `http://127.0.0.1:${ups[1]!.port}`)
      .replace("/root/vv/talentify.crt", join(dir, "server.crt")).replace("/root/vv/my_store.key", join(dir, "server.key"))
      .replace("/root/vv/Root-R1.crt", join(dir, "Root-R1.crt"));
    writeFileSync(join(dir, "seed.conf"), conf);
    apache = await startApache(dir, [secure, plain], join(dir, "seed.conf"));
    proxy = await importAndServe("apache", dir, join(dir, "seed.conf"));
  });
  afterAll(async () => {
    await apache?.stop();
    await proxy?.stop();
    for (const u of ups) u.stop();
  });
  const bases = () => [`https://127.0.0.1:${secure}`, proxy.urls[1]!];

  test("a first visit gets ROUTEID=.<route>; path=/ naming the member that answered, in both", async () => {
    for (const base of bases()) {
      const r = await request(`${base}/app`, { host: "ind.talentify.in" });
      const route = /^ROUTEID=\.(\d); path=\/$/i.exec(r.headers["set-cookie"] ?? "");
      expect(route).not.toBeNull();
      expect(name(r.body)).toBe(`m${route![1]}`);
    }
  });

  test("ROUTEID=.2 sticks to member 2 and sets no new cookie; ProxyPreserveHost On passes the client's Host", async () => {
    for (const base of bases()) {
      for (let i = 0; i < 3; i++) {
        const r = await request(`${base}/app`, { host: "ind.talentify.in", cookie: "ROUTEID=.2" });
        expect(name(r.body)).toBe("m2");
        expect(JSON.parse(r.body).host).toBe("ind.talentify.in");
        expect(r.headers["set-cookie"]).toBeUndefined();
      }
    }
  });

  test("port 80 answers Redirect permanent with the same status and Location", async () => {
    const a = await request(`http://127.0.0.1:${plain}/x/y?z=1`, { host: "ind.talentify.in" });
    const p = await request(`${proxy.urls[0]}/x/y?z=1`, { host: "ind.talentify.in" });
    expect(a.status).toBe(301);
    expect({ status: p.status, location: p.location }).toEqual({ status: a.status, location: a.location });
  });
});

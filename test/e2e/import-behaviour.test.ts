/**
 * The same requests against real Apache httpd running a seed's configuration and against
 * dist/proxy running what `proxy import` made of it, with the same real upstreams: member
 * spread, sticky sessions, redirects after ProxyPassReverse and denied methods must match.
 *
 * Test-only adaptations of the seeds (nothing else is changed): ports become free loopback
 * ports (the members stay `localhost`, whose certificate httpd checks by name); certificate and
 * log paths point into the test's directory; certificates are made with `proxy cert`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_APACHE, certs, freePort, importAndServe, name, namedUpstream, request, spread, startApache, type Peer } from "./peers.ts";

const FIXTURES = join(import.meta.dir, "../import/fixtures");


describe.skipIf(!HAS_APACHE)("seed 001 (WSO2 IS cluster, sticky JSESSIONID, TLS both sides): httpd and the imported routes.json behave alike", () => {
  const dir = tempDir();
  const ups: ReturnType<typeof namedUpstream>[] = [];
  let apache: Peer, proxy: RunningProxy, apacheUrl: string;
  beforeAll(async () => {
    const tls = await certs(dir, "localhost,127.0.0.1");
    ups.push(namedUpstream("isNode1", tls), namedUpstream("isNode2", tls));
    const port = freePort();
    const conf = readFileSync(join(FIXTURES, "001-wso2-is-pdp-cluster.conf"), "utf8")
      .replace("*:443", `127.0.0.1:${port}`)
      .replaceAll("https://localhost:9443", `https://localhost:${ups[0]!.port}`)
      .replaceAll("https://localhost:9444", `https://localhost:${ups[1]!.port}`)
      .replaceAll("/home/asela/Security/162", dir);
    writeFileSync(join(dir, "seed.conf"), conf);
    apache = await startApache(dir, [port], join(dir, "seed.conf"));
    apacheUrl = `https://127.0.0.1:${port}`;
    proxy = await importAndServe("apache", dir, join(dir, "seed.conf"));
  });
  afterAll(async () => {
    await apache?.stop();
    await proxy?.stop();
    for (const u of ups) u.stop();
  });
  const both = async (path: string, opts: Parameters<typeof request>[1] = {}) => Promise.all([apacheUrl, proxy.url].map((u) => request(u + path, { host: "localhost", ...opts })));

  test("without a session, requests alternate between the two members in both", async () => {
    for (const base of [apacheUrl, proxy.url]) {
      const names: string[] = [];
      for (let i = 0; i < 6; i++) names.push(name((await request(`${base}/carbon/`, { host: "localhost" })).body));
      expect(spread(names)).toEqual({ isNode1: 3, isNode2: 3 });
    }
  });

  test("JSESSIONID=<id>.isNode2 (cookie) and ;jsessionid=<id>.isNode1 (URL) stick to that member in both", async () => {
    for (let i = 0; i < 3; i++) {
      const [a, p] = await both("/carbon/", { cookie: "JSESSIONID=7F3AC1.isNode2" });
      expect([name(a!.body), name(p!.body)]).toEqual(["isNode2", "isNode2"]);
      const [a2, p2] = await both("/carbon/x;jsessionid=7F3AC1.isNode1");
      expect([name(a2!.body), name(p2!.body)]).toEqual(["isNode1", "isNode1"]);
    }
  });

  test("a member's redirect to its own URL comes back through ProxyPassReverse the same way", async () => {
    const to = encodeURIComponent(`https://localhost:${ups[0]!.port}/carbon/admin/login.jsp`);
    const [a, p] = await both(`/carbon/?to=${to}`, { cookie: "JSESSIONID=x.isNode1" });
    expect(a!.status).toBe(302);
    expect(p!.location).toBe(a!.location!);
    expect(a!.location).toBe("https://localhost/carbon/admin/login.jsp");
  });

  test("ProxyPass /balancer-manager ! : neither proxies it", async () => {
    const [a, p] = await both("/balancer-manager");
    expect(a!.status).toBe(404);
    expect(p!.status).toBe(404);
  });
});

describe.skipIf(!HAS_APACHE)("seed 002 (WSO2 API-M behind httpd on port 80): httpd and the imported routes.json behave alike", () => {
  const dir = tempDir();
  let gw: ReturnType<typeof namedUpstream>, web: ReturnType<typeof namedUpstream>;
  let apache: Peer, proxy: RunningProxy, apacheUrl: string;
  beforeAll(async () => {
    gw = namedUpstream("gateway");
    web = namedUpstream("web");
    const port = freePort();
    const conf = readFileSync(join(FIXTURES, "002-wso2-apim.conf"), "utf8")
      .replace("*:80", `127.0.0.1:${port}`)
      .replaceAll("http://localhost:8280", `http://127.0.0.1:${gw.port}`)
      .replaceAll("http://localhost:9763", `http://127.0.0.1:${web.port}`)
      .replaceAll("/var/log/apache2", dir);
    writeFileSync(join(dir, "seed.conf"), conf);
    apache = await startApache(dir, [port], join(dir, "seed.conf"));
    apacheUrl = `http://127.0.0.1:${port}`;
    proxy = await importAndServe("apache", dir, join(dir, "seed.conf"));
  });
  afterAll(async () => {
    await apache?.stop();
    await proxy?.stop();
    gw?.stop();
    web?.stop();
  });
  const both = async (path: string, opts: Parameters<typeof request>[1] = {}) => Promise.all([apacheUrl, proxy.url].map((u) => request(u + path, { host: "sso.yenlo.com:8080", ...opts })));

  test("TRACE and OPTIONS are denied with 403 by both; GET passes with the same path rewriting", async () => {
    for (const method of ["TRACE", "OPTIONS"]) {
      const [a, p] = await both("/apim-token", { method });
      expect([a!.status, p!.status]).toEqual([403, 403]);
    }
    for (const path of ["/apim-token/abc", "/apim-t/x", "/apim-oauth2/authorize?x=1"]) {
      const [a, p] = await both(path);
      expect(a!.status).toBe(200);
      const seenA = JSON.parse(a!.body), seenP = JSON.parse(p!.body);
      expect(seenP.path).toBe(seenA.path);
      expect(seenP.name).toBe(seenA.name);
      // ProxyPreserveHost Off (httpd's default) in both: the member sees its own host:port.
      expect(seenP.host).toBe(seenA.host);
    }
  });

  test("Location after ProxyPassReverse and the Header edit is the same for member and extra ProxyPassReverse URLs", async () => {
    for (const target of [`http://127.0.0.1:${web.port}/commonauth/next?a=1`, "https://localhost:9443/commonauth/done", "/relative/path"]) {
      const [a, p] = await both(`/apim-commonauth/login?to=${encodeURIComponent(target)}`);
      expect(a!.status).toBe(302);
      expect({ target, location: p!.location }).toEqual({ target, location: a!.location });
    }
    const [a] = await both(`/apim-commonauth/login?to=${encodeURIComponent(`http://127.0.0.1:${web.port}/commonauth/next`)}`);
    expect(a!.location).toBe("https://sso.yenlo.com:8080/apim-commonauth/next");
  });

  test("the ^http -> https trap: httpd turns an https:// Location into httpss://, the import's safe form does not", async () => {
    const [a, p] = await both(`/apim-token/x?to=${encodeURIComponent("https://elsewhere.example/")}`);
    expect(a!.location).toBe("httpss://elsewhere.example/");
    expect(p!.location).toBe("https://elsewhere.example/");
  });
});

/**
 * Balancers under real httpd and, imported, under dist/proxy: `<Proxy balancer://app>` in two
 * vhosts are two balancers; a second ProxyPass's stickysession= is the balancer's; ProxySet
 * timeout= (the wait for a free member) does not cut off a slow member; `ProxyPassReverse /
 * balancer://app/` maps what ProxyPass /carbon balancer://app/carbon sends back; plain
 * ProxyPasses to one member each keep their own timeout=.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_APACHE, freePort, importAndServe, name, namedUpstream, request, startApache, type Peer } from "./peers.ts";

/** A member that takes 1.5 s on /slow: longer than the balancer's timeout=1, shorter than Timeout. */
function slowUpstream(label: string) {
  const server = Bun.serve({
    port: 0, hostname: "127.0.0.1", development: false,
    async fetch(req) {
      if (new URL(req.url).pathname.startsWith("/slow")) await Bun.sleep(1500); // the delay is what is tested
      return Response.json({ name: label });
    },
  });
  return { port: server.port!, stop: () => server.stop(true) };
}

describe.skipIf(!HAS_APACHE)("Apache balancers per vhost and balancer parameters: httpd and the imported routes.json behave alike", () => {
  const dir = tempDir();
  let a: ReturnType<typeof slowUpstream>, c: ReturnType<typeof slowUpstream>, b1: ReturnType<typeof namedUpstream>, b2: ReturnType<typeof namedUpstream>;
  let apache: Peer, proxy: RunningProxy, port: number;
  beforeAll(async () => {
    a = slowUpstream("A");
    c = slowUpstream("C");
    b1 = namedUpstream("B1");
    b2 = namedUpstream("B2");
    port = freePort();
    const vhost = (name: string, members: string, passes: string) => `<VirtualHost 127.0.0.1:${port}>\nServerName ${name}\n<Proxy balancer://app>\n${members}\n</Proxy>\n${passes}\n</VirtualHost>\n`;
    writeFileSync(join(dir, "site.conf"), [
      vhost("a.example", `BalancerMember http://127.0.0.1:${a.port}\nProxySet timeout=1`, "ProxyPass / balancer://app/\nProxyPassReverse / balancer://app/"),
      vhost("b.example", `BalancerMember http://127.0.0.1:${b1.port} route=1\nBalancerMember http://127.0.0.1:${b2.port} route=2`, "ProxyPass /s balancer://app/s\nProxyPass /t balancer://app/t stickysession=ROUTEID\nProxyPass / balancer://app/"),
      vhost("c.example", `BalancerMember http://127.0.0.1:${b1.port}`, "ProxyPass /carbon balancer://app/carbon\nProxyPassReverse / balancer://app/"),
      vhost("d.example", "", `ProxyPass /cut http://127.0.0.1:${c.port}/slowy timeout=1\nProxyPass /keep http://127.0.0.1:${c.port}/slowx timeout=5`),
    ].join(""));
    apache = await startApache(dir, [port], join(dir, "site.conf"));
    proxy = await importAndServe("apache", dir, join(dir, "site.conf"));
  });
  afterAll(async () => {
    await apache?.stop();
    await proxy?.stop();
    for (const u of [a, c, b1, b2]) u?.stop();
  });
  const both = (path: string, host: string, cookie?: string) => Promise.all([`http://127.0.0.1:${port}`, proxy.url].map((u) => request(u + path, { host, cookie })));

  test("each vhost's balancer://app reaches its own members in both", async () => {
    for (let i = 0; i < 3; i++) {
      const [sa, pa] = await both("/x", "a.example");
      expect([name(sa!.body), name(pa!.body)]).toEqual(["A", "A"]);
    }
    const [sb, pb] = await both("/x", "b.example");
    expect([name(sb!.body).startsWith("B"), name(pb!.body).startsWith("B")]).toEqual([true, true]);
  });

  test("stickysession= on the second ProxyPass also makes the first one's route sticky in both", async () => {
    for (let i = 0; i < 3; i++) {
      const [s, p] = await both("/s/x", "b.example", "ROUTEID=.2");
      expect([name(s!.body), name(p!.body)]).toEqual(["B2", "B2"]);
    }
  });

  test("ProxySet timeout=1 does not time out a member that takes 1.5 s in either", async () => {
    const [s, p] = await both("/slow", "a.example");
    expect([s!.status, p!.status]).toEqual([200, 200]);
  });

  test("ProxyPassReverse / balancer://app/ maps a /carbon member's Location back in both", async () => {
    const [s, p] = await both(`/carbon/x?to=${encodeURIComponent(`http://127.0.0.1:${b1.port}/carbon/target`)}`, "c.example");
    expect([s!.status, p!.status, p!.location]).toEqual([302, 302, s!.location]);
  });

  test("each plain ProxyPass keeps its own timeout=: 5 s waits for a 1.5 s member, 1 s does not (httpd 502, the proxy 504)", async () => {
    const [sk, pk] = await both("/keep", "d.example");
    expect([sk!.status, pk!.status]).toEqual([200, 200]);
    const [sc, pc] = await both("/cut", "d.example");
    expect([sc!.status, pc!.status]).toEqual([502, 504]);
  });
});

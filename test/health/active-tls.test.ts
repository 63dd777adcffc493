/** Active probes of https:// members: the project's own client with the pool's TLS settings, failures in the proxy's words. */
import { afterAll, expect, test } from "bun:test";
import { Member } from "../../src/balancer/member.ts";
import { Pool } from "../../src/balancer/pool.ts";
import { ActiveHealth } from "../../src/health/active.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { Dialer, type UpstreamTls } from "../../src/upstream/dial.ts";

const ca = await createCA({ cn: "Probe CA" });
const other = await createCA({ cn: "Someone Else" });
const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1", "b.test"] });
const expired = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1"], days: -1 });

const seen: Headers[] = [];
const serve = (cert: { certPem: string; keyPem: string }) => Bun.serve({
  port: 0, hostname: "127.0.0.1", development: false, tls: { cert: cert.certPem, key: cert.keyPem },
  fetch: (req) => {
    seen.push(req.headers);
    return new Response("UP");
  },
});
const good = serve(leaf);
const old = serve(expired);
afterAll(() => {
  good.stop(true);
  old.stop(true);
});

function probeOf(url: string, tls: UpstreamTls) {
  const m = new Member({ url, weight: 1, route: "a", standby: false, state: "active" });
  const pool = new Pool("p", [m], { pick: (c) => c[0] });
  const cfg = { path: "/health", method: "GET" as const, interval: 5_000, timeout: 3_000, expectStatus: "200-399", rise: 1, fall: 1 };
  return { m, active: new ActiveHealth(pool, cfg, { events: () => {}, dialers: new Map([[m, new Dialer(m.url, tls)]]) }) };
}

test("an https member passes with the pool's CA and serverName, and gets only Host and Connection", async () => {
  const { m, active } = probeOf(`https://127.0.0.1:${good.port}`, { verify: true, ca: ca.certPem, serverName: "b.test" });
  seen.length = 0;
  expect(await active.probe(m)).toBeUndefined();
  expect([...seen[0]!.keys()].sort()).toEqual(["connection", "host"]);
});

test("verification failures are named as TLS failures, not fetch's wording", async () => {
  const wrongCa = probeOf(`https://127.0.0.1:${good.port}`, { verify: true, ca: other.certPem });
  expect(await wrongCa.active.probe(wrongCa.m)).toBe("TLS: unable to verify the first certificate");
  const wrongName = probeOf(`https://127.0.0.1:${good.port}`, { verify: true, ca: ca.certPem, serverName: "c.test" });
  expect(await wrongName.active.probe(wrongName.m)).toStartWith("TLS: Hostname/IP does not match certificate's altnames");
  const stale = probeOf(`https://127.0.0.1:${old.port}`, { verify: true, ca: ca.certPem });
  expect(await stale.active.probe(stale.m)).toBe("TLS: certificate has expired");
});

test("verify: false accepts a certificate no CA vouches for", async () => {
  const { m, active } = probeOf(`https://127.0.0.1:${old.port}`, { verify: false, ca: other.certPem });
  expect(await active.probe(m)).toBeUndefined();
});

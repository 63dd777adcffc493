import { afterAll, describe, expect, test } from "bun:test";
import { Member } from "../../src/balancer/member.ts";
import { Pool } from "../../src/balancer/pool.ts";
import { ActiveHealth, parseStatusRange, type ActiveConfig, type ActiveDeps, type ProbeSend } from "../../src/health/active.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { Dialer, type UpstreamTls } from "../../src/upstream/dial.ts";

/** A real upstream whose /health answer the test flips. */
function upstream() {
  const state = { status: 200, body: "UP", hosts: [] as string[], paths: [] as string[], hang: false };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      state.hosts.push(req.headers.get("host") ?? "");
      state.paths.push(new URL(req.url).pathname);
      if (state.hang) return new Promise<Response>(() => {});
      return new Response(state.body, { status: state.status });
    },
  });
  return { state, server, url: `http://127.0.0.1:${server.port}` };
}

/** Nothing listens on port 1: a refused connection that no other test's server can take over. */
const REFUSED_URL = "http://127.0.0.1:1";

const servers: { stop(force: boolean): unknown }[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

const cfg = (over: Partial<ActiveConfig> = {}): ActiveConfig => ({
  path: "/health", method: "GET", interval: 5_000, timeout: 2_000, expectStatus: "200-399", rise: 2, fall: 3, ...over,
});

function setup(urls: string[], over: Partial<ActiveConfig> = {}, deps: Partial<ActiveDeps> = {}) {
  const log: string[] = [];
  const ms = urls.map((url, i) => new Member({ url, weight: 1, route: `n${i}`, standby: false, state: "active" }));
  const pool = new Pool("p", ms, { pick: (c) => c[0] });
  const active = new ActiveHealth(pool, cfg(over), { events: (l, m) => log.push(`${l} ${m}`), ...deps });
  return { log, ms, pool, active, m: ms[0]! };
}

describe("ActiveHealth against real upstreams", () => {
  test("fall failed probes in a row eject, rise good ones recover, without restart", async () => {
    const up = upstream();
    servers.push(up.server);
    const { active, m, log } = setup([up.url], { fall: 3, rise: 2 });
    up.state.status = 500;
    await active.probeOnce();
    await active.probeOnce();
    expect(m.healthy).toBe(true);
    await active.probeOnce();
    expect(m.healthy).toBe(false);
    expect(log).toEqual([`warn pool=p member=${up.url} ejected: 3 failed health probes in a row, last: status 500, expected 200-399`]);
    up.state.status = 204;
    await active.probeOnce();
    expect(m.healthy).toBe(false);
    await active.probeOnce();
    expect(m.healthy).toBe(true);
    expect(log[1]).toBe(`info pool=p member=${up.url} recovered: 2 good health probes in a row`);
    expect(up.state.paths.every((p) => p === "/health")).toBe(true);
  });

  test("a good probe in between restarts the failure count", async () => {
    const up = upstream();
    servers.push(up.server);
    const { active, m } = setup([up.url], { fall: 2 });
    up.state.status = 503;
    await active.probeOnce();
    up.state.status = 200;
    await active.probeOnce();
    up.state.status = 503;
    await active.probeOnce();
    expect(m.healthy).toBe(true);
    await active.probeOnce();
    expect(m.healthy).toBe(false);
  });

  test("expectBody is a regex over the body; status must also be in range", async () => {
    const up = upstream();
    servers.push(up.server);
    const { active, m } = setup([up.url], { expectBody: "^status: (UP|OK)$", fall: 1, rise: 1 });
    up.state.body = "status: DEGRADED";
    expect(await active.probe(m)).toBe("body does not match /^status: (UP|OK)$/");
    up.state.body = "status: OK";
    expect(await active.probe(m)).toBeUndefined();
    up.state.status = 404;
    expect(await active.probe(m)).toContain("status 404");
  });

  test("Host header: the configured one, else the member's host; basepath is kept", async () => {
    const up = upstream();
    servers.push(up.server);
    await setup([up.url + "/app/"], { host: "health.internal" }).active.probeOnce();
    await setup([up.url]).active.probeOnce();
    expect(up.state.hosts).toEqual(["health.internal", up.url.slice("http://".length)]);
    expect(up.state.paths).toEqual(["/app/health", "/health"]);
  });

  test("refused connections and timeouts are failures; ejected members are still probed", async () => {
    const up = upstream();
    servers.push(up.server);
    const deadUrl = REFUSED_URL;
    const { active, ms, pool } = setup([up.url, deadUrl], { timeout: 100, fall: 1, rise: 1 });
    up.state.hang = true;
    expect(await active.probe(ms[0]!)).toBe("no answer within 100ms");
    expect(await active.probe(ms[1]!)).toBe(`connect ECONNREFUSED ${deadUrl.slice("http://".length)}`);
    up.state.hang = false;
    pool.setStatus(ms[0]!, false); // e.g. passively ejected
    await active.probeOnce();
    expect(ms[0]!.healthy).toBe(true);
    expect(ms[1]!.healthy).toBe(false);
  });
  test("every probe leaves when it was sent, whether it passed and how long it took on the member", async () => {
    const up = upstream();
    servers.push(up.server);
    const deadUrl = REFUSED_URL;
    const { active, ms } = setup([up.url, deadUrl], { timeout: 150 }, { now: () => Date.UTC(2030, 0, 1) });
    expect(ms.map((m) => m.lastProbeAt)).toEqual([0, 0]);
    await active.probeOnce();
    expect(ms.map((m) => [m.lastProbeAt, m.lastProbeOk])).toEqual([[Date.UTC(2030, 0, 1), true], [Date.UTC(2030, 0, 1), false]]);
    expect(ms[0]!.lastProbeMs).toBeGreaterThan(0);
    up.state.hang = true;
    await active.probeOnce();
    expect(ms[0]!.lastProbeOk).toBe(false);
    expect(ms[0]!.lastProbeMs).toBeGreaterThanOrEqual(145); // the timeout, not an instant failure
  });
});

describe("ActiveHealth wiring", () => {
  test("a passive ejection needs rise fresh good probes, not ones counted before it", async () => {
    const up = upstream();
    servers.push(up.server);
    const { active, m, pool } = setup([up.url], { rise: 2 });
    await active.probeOnce();
    await active.probeOnce();
    pool.setStatus(m, false);
    await active.probeOnce();
    expect(m.healthy).toBe(false);
    await active.probeOnce();
    expect(m.healthy).toBe(true);
  });

  test("start probes at once and on each tick, never two probes of a member at a time; stop cancels", async () => {
    let tick: (() => void) | undefined;
    let cancelled = false;
    let calls = 0;
    const release: (() => void)[] = [];
    const slow: ProbeSend = () => {
      calls++;
      return new Promise((done) => release.push(() => done({ status: 200, body: undefined })));
    };
    const every = (ms: number, fn: () => void) => {
      expect(ms).toBe(5_000);
      tick = fn;
      return () => (cancelled = true);
    };
    const { active } = setup(["http://127.0.0.1:1"], {}, { send: slow, every });
    active.start();
    expect(calls).toBe(1);
    tick!();
    expect(calls).toBe(1); // the first round is still running
    release.shift()!();
    await active.idle();
    tick!();
    expect(calls).toBe(2);
    active.stop();
    expect(cancelled).toBe(true);
  });

  test("a member whose probe hangs does not hold back the others: a failing one falls on its own ticks", async () => {
    let tick: (() => void) | undefined;
    const calls: string[] = [];
    const send: ProbeSend = (m) => {
      calls.push(m.route);
      // n0 never answers (until the test ends it); n1 answers 503 at once.
      return m.route === "n0" ? new Promise(() => {}) : Promise.resolve({ status: 503, body: undefined });
    };
    const every = (_ms: number, fn: () => void) => ((tick = fn), () => {});
    const { active, ms, log } = setup(["http://127.0.0.1:1", "http://127.0.0.1:2"], { fall: 2, timeout: 60_000 }, { send, every });
    // n1's answers are already resolved promises: once the microtask queue is empty they are applied.
    const applied = () => new Promise<void>((r) => setImmediate(r));
    active.start();
    await applied();
    tick!();
    await applied();
    expect(calls).toEqual(["n0", "n1", "n1"]); // n0 is still on its first probe
    expect([ms[0]!.healthy, ms[1]!.healthy]).toEqual([true, false]);
    expect(log.some((l) => l.includes("2 failed health probes in a row"))).toBe(true);
    active.stop();
  });

  test("parseStatusRange", () => {
    expect(parseStatusRange("200-399")).toEqual([200, 399]);
    expect(parseStatusRange("204")).toEqual([204, 204]);
  });
});

/** https:// members: the project's own client with the pool's TLS settings, failures in the proxy's words. */
const ca = await createCA({ cn: "Probe CA" });
const other = await createCA({ cn: "Someone Else" });
const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1", "b.test"] });
const expired = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1"], days: -1 });

const tlsSeen: Headers[] = [];
const serve = (cert: { certPem: string; keyPem: string }) => Bun.serve({
  port: 0, hostname: "127.0.0.1", development: false, tls: { cert: cert.certPem, key: cert.keyPem },
  fetch: (req) => {
    tlsSeen.push(req.headers);
    return new Response("UP");
  },
});
const good = serve(leaf);
const old = serve(expired);
servers.push(good, old);

function probeOf(url: string, tls: UpstreamTls) {
  const m = new Member({ url, weight: 1, route: "a", standby: false, state: "active" });
  const pool = new Pool("p", [m], { pick: (c) => c[0] });
  return { m, active: new ActiveHealth(pool, cfg({ timeout: 3_000, rise: 1, fall: 1 }), { events: () => {}, dialers: new Map([[m, new Dialer(m.url, tls)]]) }) };
}

describe("ActiveHealth of https:// members", () => {
  test("an https member passes with the pool's CA and serverName, and gets only Host and Connection", async () => {
    const { m, active } = probeOf(`https://127.0.0.1:${good.port}`, { verify: true, ca: ca.certPem, serverName: "b.test" });
    tlsSeen.length = 0;
    expect(await active.probe(m)).toBeUndefined();
    expect([...tlsSeen[0]!.keys()].sort()).toEqual(["connection", "host"]);
  });

  test("verification failures are reported as \"TLS: <reason>\"", async () => {
    const wrongCa = probeOf(`https://127.0.0.1:${good.port}`, { verify: true, ca: other.certPem });
    expect(await wrongCa.active.probe(wrongCa.m)).toBe("TLS: its certificate is not signed by a CA in tls.ca (without tls.ca: the system's CAs); give the CA that signed it as tls.ca (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
    const wrongName = probeOf(`https://127.0.0.1:${good.port}`, { verify: true, ca: ca.certPem, serverName: "c.test" });
    expect(await wrongName.active.probe(wrongName.m)).toBe("TLS: its certificate is not for c.test; set tls.serverName to a name the certificate holds (ERR_TLS_CERT_ALTNAME_INVALID)");
    const stale = probeOf(`https://127.0.0.1:${old.port}`, { verify: true, ca: ca.certPem });
    expect(await stale.active.probe(stale.m)).toBe("TLS: certificate has expired");
  });

  test("verify: false accepts a certificate no CA vouches for", async () => {
    const { m, active } = probeOf(`https://127.0.0.1:${old.port}`, { verify: false, ca: other.certPem });
    expect(await active.probe(m)).toBeUndefined();
  });
});

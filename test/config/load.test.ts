import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeUtf8, loadConfigFile, parseConfigText } from "../../src/config/load.ts";
import { ConfigError, formatIssue, jsonPath, type ConfigIssue } from "../../src/config/errors.ts";
import { SPEC_EXAMPLE } from "./spec-example.ts";


const minimal = () => ({
  listeners: [{ port: 8080 }],
  pools: { api: { members: [{ url: "http://127.0.0.1:9000" }] } },
  routes: [{ path: "/", pool: "api" }],
});

/** The issues a config text produces; fails the test when it parses. */
function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfigText(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error("expected a ConfigError, but the config parsed");
}
const issues = (c: unknown) => issuesOf(JSON.stringify(c));
const at = (list: ConfigIssue[], path: string) => list.filter((i) => i.path === path);

describe("jsonPath / formatIssue", () => {
  test("dotted names, [index], and quoted keys that are not identifiers", () => {
    expect(jsonPath(["pools", "api", "members", 0, "url"])).toBe("pools.api.members[0].url");
    expect(jsonPath(["pools", "apim-gw", "sticky"])).toBe("pools.apim-gw.sticky");
    expect(jsonPath(["pools", "a.b", "members"])).toBe('pools["a.b"].members');
    expect(jsonPath(["routes", 2])).toBe("routes[2]");
    expect(jsonPath([])).toBe("");
  });

  test("formatIssue indents and omits an empty path", () => {
    expect(formatIssue({ path: "a.b", message: "bad" })).toBe("  a.b: bad");
    expect(formatIssue({ path: "", message: "bad" })).toBe("  bad");
  });

  test("ConfigError's message names the file, the count, and every issue", () => {
    const e = new ConfigError("x/routes.json", [{ path: "a", message: "one" }, { path: "b", message: "two" }]);
    expect(e.message).toBe("x/routes.json: 2 errors\n  a: one\n  b: two");
    expect(new ConfigError("f", [{ path: "", message: "m" }]).message).toBe("f: 1 error\n  m");
    expect(e.issues).toHaveLength(2);
  });
});

describe("parseConfigText: valid configs", () => {
  test("a minimal config gets its defaults", () => {
    const c = parseConfigText(JSON.stringify(minimal()));
    expect(c.listeners[0]).toEqual({ port: 8080, host: "0.0.0.0" });
    const pool = c.pools.api!;
    expect(pool.method).toBe("byrequests");
    expect(pool.retries).toBe(1);
    expect(pool.members[0]).toEqual({ url: "http://127.0.0.1:9000", weight: 1, standby: false, state: "active" });
    const r = c.routes[0]!;
    expect(r.preserveHost).toBe(true);
    expect(r.reverse).toBe(true);
    expect(r.reverseAlso).toEqual([]);
    expect(r.denyMethods).toEqual([]);
    expect(r.maxBodySize).toBeUndefined();
    expect(c.trustedProxies).toEqual([]);
    expect(c.dataDir).toBe("./proxy-data");
  });

  test("route path defaults to /", () => {
    const c = parseConfigText(JSON.stringify({ ...minimal(), routes: [{ pool: "api" }] }));
    expect(c.routes[0]!.path).toBe("/");
  });

  test("durations and sizes become numbers (ms, bytes); nested defaults are filled", () => {
    const cfg = minimal() as any;
    cfg.pools.api.timeouts = { connect: "1s", response: "5m", idle: "250ms" };
    cfg.pools.api.health = { passive: {}, active: {} };
    cfg.pools.api.sticky = { cookie: "ROUTEID", mode: "insert", maxAge: "1h" };
    cfg.routes[0].maxBodySize = "100MB";
    cfg.routes[0].timeouts = { response: "2s" };
    cfg.listeners.push({ port: 80, redirectHttps: {} });
    cfg.accessLog = {};
    const c = parseConfigText(JSON.stringify(cfg));
    const p = c.pools.api!;
    expect(p.timeouts).toEqual({ connect: 1000, response: 300_000, idle: 250 });
    expect(p.health!.passive).toEqual({ maxFails: 1, window: 10_000, ejectFor: 30_000, failOnStatus: [] });
    expect(p.health!.active).toEqual({ path: "/", method: "GET", interval: 5000, timeout: 2000, expectStatus: "200-399", rise: 2, fall: 3 });
    expect(p.sticky).toEqual({ cookie: "ROUTEID", mode: "insert", failover: true, learn: true, maxAge: 3_600_000 });
    expect(c.routes[0]!.maxBodySize).toBe(100 * 1024 * 1024);
    expect(c.routes[0]!.timeouts).toEqual({ response: 2000 });
    expect(c.listeners[1]!.redirectHttps).toEqual({ port: 443, status: 301 });
    expect(c.accessLog).toEqual({ format: "combined", path: "-" });
  });

  test("a numeric maxBodySize is bytes", () => {
    const cfg = minimal() as any;
    cfg.routes[0].maxBodySize = 1000;
    expect(parseConfigText(JSON.stringify(cfg)).routes[0]!.maxBodySize).toBe(1000);
  });

  test("the spec's complete example parses", () => {
    const c = parseConfigText(SPEC_EXAMPLE);
    expect(c.listeners).toHaveLength(2);
    expect(c.listeners[0]!.redirectHttps).toEqual({ port: 8443, status: 301 });
    const certs = c.listeners[1]!.tls!.certificates;
    expect(Array.isArray(certs) && certs[0]!.passphraseFile).toBe("certs/pass");
    expect(Object.keys(c.pools)).toEqual(["identity", "apim-gw"]);
    const id = c.pools.identity!;
    expect(id.members.map((m) => [m.route, m.standby])).toEqual([["isNode1", false], ["isNode2", false], [undefined, true]]);
    expect(id.sticky).toEqual({ cookie: "JSESSIONID", mode: "route-suffix", failover: true, learn: true });
    expect(id.health!.passive!.failOnStatus).toEqual([503]);
    expect(id.health!.active!.path).toBe("/health");
    expect(id.tls).toEqual({ verify: false });
    expect(id.timeouts).toEqual({ connect: 1000, response: 300_000 });
    expect(c.pools["apim-gw"]!.method).toBe("byrequests");
    expect(c.routes.map((r) => r.path)).toEqual(["/apim-token", "/is-samlsso", "/balancer-manager", "/"]);
    expect(c.routes[1]!.responseHeaders!.edit![0]).toEqual({ name: "Location", match: "^http:", replace: "https:", all: false });
    expect(c.routes[1]!.denyMethods).toEqual(["TRACE", "OPTIONS"]);
    expect(c.routes[2]!.respond).toEqual({ status: 404 });
    expect(c.accessLog).toEqual({ format: "combined", path: "-" });
  });

  test("tls certificates may be \"internal\"; admin listen defaults to loopback 9090", () => {
    const cfg = minimal() as any;
    cfg.listeners = [{ port: 443, tls: { certificates: "internal", minVersion: "TLSv1.3" } }];
    cfg.admin = {};
    const c = parseConfigText(JSON.stringify(cfg));
    expect(c.listeners[0]!.tls!.certificates).toBe("internal");
    expect(c.admin).toEqual({ listen: "127.0.0.1:9090" });
  });

  test("admin on a non-loopback address without auth is refused; exactly one key source", () => {
    const cfg = minimal() as any;
    cfg.admin = { listen: "0.0.0.0:9090" };
    expect(() => parseConfigText(JSON.stringify(cfg))).toThrow("admin.auth: required when admin.listen is not a loopback address");
    cfg.admin = { listen: "[::1]:9090", auth: { secretFile: "a", jwksFile: "b" } };
    expect(() => parseConfigText(JSON.stringify(cfg))).toThrow("admin.auth: give exactly one of secretFile, jwksFile, jwksUrl (got secretFile, jwksFile)");
    cfg.admin = { listen: "10.0.0.1:9090", auth: { secretFile: "admin.secret" }, metrics: { buckets: [0.1, 1] } };
    expect(parseConfigText(JSON.stringify(cfg)).admin!.metrics!.buckets).toEqual([0.1, 1]);
    cfg.admin = { listen: "nowhere", metrics: { buckets: [1, 0.5] } };
    expect(() => parseConfigText(JSON.stringify(cfg))).toThrow(/admin\.listen: expected host:port[\s\S]*admin\.metrics\.buckets: bucket bounds must increase/);
  });
});

describe("parseConfigText: errors", () => {
  test("invalid JSON is one clear error without a path", () => {
    for (const text of ["{", "", '{"listeners": [}', "{'a': 1}"]) {
      const list = issuesOf(text);
      expect(list).toHaveLength(1);
      expect(list[0]!.path).toBe("");
      expect(list[0]!.message).toMatch(/^not valid JSON at line 1, column \d+: expected /);
    }
  });

  test("the thrown error names the file", () => {
    try {
      parseConfigText("{", "/etc/proxy/routes.json");
      throw new Error("parsed");
    } catch (e) {
      expect((e as Error).message).toStartWith("/etc/proxy/routes.json: 1 error\n  not valid JSON");
    }
  });

  test("an error in every section: all of them at once, each at its JSON path", () => {
    const bad = {
      listeners: [{ port: 70000, hots: "x" }, { port: "80" }],
      pools: {
        api: {
          members: [{ url: "ftp://x", weight: 0, route: "a.b" }, { url: "http://ok:1", state: "off" }],
          method: "random",
          health: { passive: { maxFails: 0, window: "10" }, active: { path: "health", rise: 0, expectBody: "(" } },
          sticky: { cookie: "a b", mode: "magic" },
        },
      },
      routes: [{ host: "a b", path: "x", pool: "api", denyMethods: ["get"], maxBodySize: "lots", timeouts: { connect: "soon" } }],
      accessLog: { format: "xml" },
      trustedProxies: [5],
      extra: true,
    };
    const list = issues(bad);
    const expected: [string, RegExp][] = [
      ["listeners[0].port", /0\.\.65535/],
      ["listeners[0].hots", /unknown field "hots"/],
      ["listeners[1].port", /port number/],
      ["pools.api.members[0].url", /"ftp:\/\/x" is not an http\(s\) URL/],
      ["pools.api.members[0].weight", /1\.\.100/],
      ["pools.api.members[0].route", /dots/],
      ["pools.api.members[1].state", /"active", "drain" or "disabled"/],
      ["pools.api.method", /byrequests, bytraffic, bybusyness, iphash/],
      ["pools.api.sticky.cookie", /cookie name/],
      ["pools.api.sticky.mode", /"insert" or "route-suffix"/],
      ["pools.api.health.passive.maxFails", /1\.\.1000/],
      ["pools.api.health.passive.window", /"10" is not a duration/],
      ["pools.api.health.active.path", /starts with "\/"/],
      ["pools.api.health.active.expectBody", /regular expression/],
      ["pools.api.health.active.rise", /1\.\.100/],
      ["routes[0].host", /host name/],
      ["routes[0].path", /starts with "\/"/],
      ["routes[0].denyMethods[0]", /upper-case/],
      ["routes[0].maxBodySize", /"lots" is not a size/],
      ["routes[0].timeouts.connect", /"soon" is not a duration/],
      ["accessLog.format", /"combined" or "json"/],
      ["trustedProxies[0]", /string/],
      ["extra", /unknown field "extra"/],
    ];
    for (const [path, message] of expected) {
      const found = at(list, path);
      expect([path, found.length]).toEqual([path, 1]);
      expect(found[0]!.message).toMatch(message);
    }
    expect(list).toHaveLength(expected.length);
  });

  test("unknown fields are errors at every level", () => {
    const cfg = minimal() as any;
    cfg.listeners[0].tsl = {};
    cfg.pools.api.members[0].wieght = 2;
    cfg.pools.api.timeout = { connect: "1s" };
    cfg.routes[0].rewrite = "/x";
    cfg.routes[0].responseHeaders = { edit: [{ name: "Location", match: "a", replace: "b", global: true }] };
    const list = issues(cfg);
    expect(list.map((i) => i.path).sort()).toEqual([
      "listeners[0].tsl",
      "pools.api.members[0].wieght",
      "pools.api.timeout",
      "routes[0].responseHeaders.edit[0].global",
      "routes[0].rewrite",
    ]);
    for (const i of list) expect(i.message).toStartWith("unknown field ");
  });

  test("every unknown field of an object is reported, each object's together, beside the other errors", () => {
    const cfg = minimal() as any;
    Object.assign(cfg.listeners[0], { a: 1, b: 2, c: 3 });
    Object.assign(cfg.pools.api.members[0], { x: 1, y: 2 });
    Object.assign(cfg, { foo: 1, bar: 2 });
    cfg.pools.api.members[0].weight = 500;
    const list = issues(cfg);
    expect(list.map((i) => i.path)).toEqual(["listeners[0].a", "listeners[0].b", "listeners[0].c", "pools.api.members[0].weight", "pools.api.members[0].x", "pools.api.members[0].y", "foo", "bar"]);
  });

  test("an object with 120 unknown fields gets 120 errors", () => {
    const cfg = minimal() as any;
    for (let i = 0; i < 120; i++) cfg.listeners[0][`x${i}`] = i;
    expect(issues(cfg).map((i) => i.path)).toEqual(Array.from({ length: 120 }, (_, i) => `listeners[0].x${i}`));
  });

  test("a pool name that is not an identifier is quoted in the path", () => {
    const cfg = minimal() as any;
    cfg.pools["bad name!"] = { members: [] };
    const list = issues(cfg);
    expect(at(list, 'pools["bad name!"]')[0]!.message).toMatch(/pool name/);
    expect(at(list, 'pools["bad name!"].members')[0]!.message).toMatch(/at least one member/);
  });

  test("empty listeners, routes and members are errors", () => {
    const list = issues({ listeners: [], pools: { api: { members: [] } }, routes: [] });
    expect(at(list, "listeners")[0]!.message).toMatch(/at least one listener/);
    expect(at(list, "routes")[0]!.message).toMatch(/at least one route/);
    expect(at(list, "pools.api.members")[0]!.message).toMatch(/at least one member/);
  });

  test("member URLs: only http(s) with a host, no query, fragment or credentials", () => {
    for (const url of ["http://a/?q=1", "http://a/#f", "http://u:p@a/", "ws://a", "a:80", "/x"]) {
      const cfg = minimal() as any;
      cfg.pools.api.members[0].url = url;
      const list = issues(cfg);
      expect([url, list.map((i) => i.path)]).toEqual([url, ["pools.api.members[0].url"]]);
    }
    for (const url of ["https://a:8443/base/", "http://[::1]:8080"]) {
      const cfg = minimal() as any;
      cfg.pools.api.members[0].url = url;
      expect(parseConfigText(JSON.stringify(cfg)).pools.api!.members[0]!.url).toBe(url);
    }
  });

  test("route hosts: names and *. wildcards, no port", () => {
    for (const host of ["example.com", "*.example.com", "localhost", "a_b.c"]) {
      const cfg = minimal() as any;
      cfg.routes[0].host = host;
      expect(parseConfigText(JSON.stringify(cfg)).routes[0]!.host).toBe(host);
    }
    for (const host of ["example.com:80", "*", "*example.com", "a.*.com", "", "-a"]) {
      const cfg = minimal() as any;
      cfg.routes[0].host = host;
      expect([host, issues(cfg).map((i) => i.path)]).toEqual([host, ["routes[0].host"]]);
    }
  });
});

describe("semantic checks", () => {
  test("a route naming a missing pool lists the known pools", () => {
    const cfg = minimal() as any;
    cfg.pools.web = { members: [{ url: "http://127.0.0.1:9001" }] };
    cfg.routes.push({ path: "/x", pool: "nope" });
    const list = issues(cfg);
    expect(list).toEqual([{ path: "routes[1].pool", message: 'no pool named "nope" (pools: api, web)' }]);
  });

  test("exactly one of pool, respond, redirect", () => {
    const cfg = minimal() as any;
    cfg.routes = [
      { path: "/a", pool: "api", respond: { status: 403 } },
      { path: "/b", respond: { status: 404 }, redirect: { to: "https://x/" } },
      { path: "/c" },
      { path: "/d", redirect: { to: "https://x/" } },
    ];
    const list = issues(cfg);
    expect(list.map((i) => i.path)).toEqual(["routes[0]", "routes[1]", "routes[2]"]);
    expect(list[0]!.message).toMatch(/exactly one of pool, respond, redirect \(got pool, respond\)/);
    expect(list[1]!.message).toMatch(/got respond, redirect/);
    expect(list[2]!.message).toMatch(/got none/);
  });

  test("duplicate member route within a pool", () => {
    const cfg = minimal() as any;
    cfg.pools.api.members = [
      { url: "http://127.0.0.1:1", route: "n1" },
      { url: "http://127.0.0.1:2", route: "n2" },
      { url: "http://127.0.0.1:3", route: "n1" },
    ];
    const list = issues(cfg);
    expect(list).toHaveLength(1);
    expect(list[0]!.path).toBe("pools.api.members[2].route");
    expect(list[0]!.message).toMatch(/"n1" is already used by members\[0\]/);
  });

  test("the same route name in two pools is fine", () => {
    const cfg = minimal() as any;
    cfg.pools.api.members[0].route = "n1";
    cfg.pools.web = { members: [{ url: "http://127.0.0.1:9001", route: "n1" }] };
    expect(() => parseConfigText(JSON.stringify(cfg))).not.toThrow();
  });

  test("duplicate listener host:port; port 0 may repeat; another host may share the port", () => {
    const cfg = minimal() as any;
    cfg.listeners = [{ port: 8080 }, { port: 8080, host: "0.0.0.0" }, { port: 0 }, { port: 0 }, { port: 8080, host: "127.0.0.1" }];
    const list = issues(cfg);
    expect(list).toEqual([{ path: "listeners[1].port", message: "0.0.0.0:8080 is already used by listeners[0]" }]);
  });

  test("tls and redirectHttps on one listener", () => {
    const cfg = minimal() as any;
    cfg.listeners = [{ port: 443, tls: { certificates: "internal" }, redirectHttps: {} }];
    const list = issues(cfg);
    expect(list.map((i) => i.path)).toEqual(["listeners[0].redirectHttps"]);
  });

  test("passphrase and passphraseFile together", () => {
    const cfg = minimal() as any;
    cfg.listeners = [{ port: 443, tls: { certificates: [
      { cert: "a.crt", key: "a.key", passphrase: "x" },
      { cert: "b.crt", key: "b.key", passphrase: "x", passphraseFile: "p" },
    ] } }];
    const list = issues(cfg);
    expect(list).toHaveLength(1);
    expect(list[0]!.path).toBe("listeners[0].tls.certificates[1]");
    expect(list[0]!.message).toBe("give at most one of passphrase, passphraseFile");
  });

  test("a pool of standbys only", () => {
    const cfg = minimal() as any;
    cfg.pools.api.members = [{ url: "http://127.0.0.1:1", standby: true }, { url: "http://127.0.0.1:2", standby: true }];
    const list = issues(cfg);
    expect(list.map((i) => i.path)).toEqual(["pools.api.members"]);
    expect(list[0]!.message).toMatch(/standby/);
  });

  test("an inverted expectStatus range", () => {
    const cfg = minimal() as any;
    cfg.pools.api.health = { active: { expectStatus: "399-200" } };
    expect(issues(cfg).map((i) => i.path)).toEqual(["pools.api.health.active.expectStatus"]);
  });

  test("a probe's path and Host are printable ASCII without spaces: nothing can split the probe's lines", () => {
    const cfg = minimal() as any;
    cfg.pools.api.health = { active: { path: "/health x", host: "health.internal\r\nx-injected: yes" } };
    const list = issues(cfg);
    expect(list.map((i) => [i.path, i.message])).toEqual([
      ["pools.api.health.active.path", "a request target of printable ASCII without spaces (percent-encode the rest)"],
      ["pools.api.health.active.host", "a Host value of printable ASCII without spaces (percent-encode the rest)"],
    ]);
    cfg.pools.api.health = { active: { path: "/health?full=1&x=%20", host: "health.internal:8443" } };
    expect(parseConfigText(JSON.stringify(cfg)).pools.api!.health?.active?.host).toBe("health.internal:8443");
  });

  test("bad CIDRs in trustedProxies; good ones pass", () => {
    const cfg = minimal() as any;
    cfg.trustedProxies = ["10.0.0.0/8", "::1", "fd00::/8", "10.0.0.0/33", "nonsense", "1.2.3.4/"];
    const list = issues(cfg);
    expect(list.map((i) => i.path)).toEqual(["trustedProxies[3]", "trustedProxies[4]", "trustedProxies[5]"]);
    expect(list[0]!.message).toBe('"10.0.0.0/33" is not an IP address or CIDR such as "10.0.0.0/8"');
  });

  test("several semantic problems are reported together", () => {
    const cfg = minimal() as any;
    cfg.listeners.push({ port: 8080 });
    cfg.routes.push({ path: "/x", pool: "missing" });
    cfg.trustedProxies = ["x"];
    expect(issues(cfg).map((i) => i.path)).toEqual(["listeners[1].port", "routes[1].pool", "trustedProxies[0]"]);
  });
});

describe("loadConfigFile", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "load-test-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads and parses a file", async () => {
    const file = join(dir, "routes.json");
    writeFileSync(file, SPEC_EXAMPLE);
    const c = await loadConfigFile(file);
    expect(c.routes).toHaveLength(4);
  });

  test("a missing file is one error naming the file", async () => {
    const file = join(dir, "nope.json");
    const err = await loadConfigFile(file).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toHaveLength(1);
    expect((err as ConfigError).message).toStartWith(`${file}: 1 error`);
    expect((err as ConfigError).message).toContain("file not found");
  });

  test("errors from a file carry its name", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, "{ nope");
    const err = await loadConfigFile(file).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toStartWith(`${file}: 1 error\n  not valid JSON`);
  });
});

describe("fixed: missing required fields and non-objects are reported as unknown fields", () => {
  test("{} says the three top-level fields are missing", () => {
    const list = issues({});
    expect(list.map((i) => i.path)).toEqual(["listeners", "pools", "routes"]);
    for (const i of list) expect(i.message).toBe("required field is missing");
  });

  test("a listener without port, a member without url, sticky without cookie", () => {
    const cfg = minimal() as any;
    cfg.listeners = [{}];
    cfg.pools.api.members = [{}];
    cfg.pools.api.sticky = { mode: "insert" };
    const list = issues(cfg);
    for (const p of ["listeners[0].port", "pools.api.members[0].url", "pools.api.sticky.cookie"]) {
      expect([p, at(list, p)[0]?.message]).toEqual([p, "required field is missing"]);
    }
  });

  test("a non-object where an object belongs says so", () => {
    const top = issuesOf("[]");
    expect(top).toHaveLength(1);
    expect(top[0]!.path).toBe("");
    expect(top[0]!.message).toMatch(/expected an object/);
    const cfg = minimal() as any;
    cfg.listeners = [5];
    cfg.accessLog = 3;
    const list = issues(cfg);
    expect(at(list, "listeners[0]")[0]!.message).toMatch(/expected an object/);
    expect(at(list, "accessLog")[0]!.message).toMatch(/expected an object/);
  });
});

describe("fixed: semantic errors are held back until the schema passes", () => {
  test("a schema error and a bad CIDR / missing pool are reported together", () => {
    const cfg = minimal() as any;
    cfg.listeners[0].port = -1;
    cfg.routes.push({ path: "/x", pool: "missing" });
    cfg.trustedProxies = ["10.0.0.0/33"];
    expect(issues(cfg).map((i) => i.path).sort()).toEqual(["listeners[0].port", "routes[1].pool", "trustedProxies[0]"]);
  });
});

describe("fixed: semantic error paths do not quote pool names that need it", () => {
  test("pool \"my.pool\": the path is pools[\"my.pool\"]..., as schema errors write it", () => {
    const cfg = minimal() as any;
    cfg.pools = { "my.pool": { members: [{ url: "http://127.0.0.1:1", standby: true }] } };
    cfg.routes[0].pool = "my.pool";
    expect(issues(cfg).map((i) => i.path)).toEqual(['pools["my.pool"].members']);
  });
});

describe("values the runtime could not honour are rejected at load", () => {
  test("durations past 24h (timers overflow past 2^31 ms and fire at once)", () => {
    const c = minimal() as any;
    c.pools.api.timeouts = { connect: "700h" };
    expect(at(issues(c), "pools.api.timeouts.connect")[0]!.message).toContain('at most "24h"');
  });
  test("respond statuses below 200, a body on 204, bad header values, non-ASCII redirect targets", () => {
    const c = minimal() as any;
    c.routes = [
      { path: "/a", respond: { status: 101 } },
      { path: "/b", respond: { status: 204, body: "x" } },
      { path: "/c", respond: { status: 200, headers: { "X-A": "a\r\nb" } } },
      { path: "/d", redirect: { to: "https://exämple.com/" } },
      { path: "/", pool: "api" },
    ];
    const list = issues(c);
    expect(at(list, "routes[0].respond.status")).toHaveLength(1);
    expect(at(list, "routes[1].respond")[0]!.message).toContain("no body");
    expect(at(list, "routes[2].respond.headers.X-A")[0]!.message).toContain("CR, LF");
    expect(at(list, "routes[3].redirect.to")[0]!.message).toContain("percent-encode");
  });
  test("route paths that no request could match name the form to write", () => {
    const c = minimal() as any;
    c.routes = [{ path: "/a/../b", pool: "api" }, { path: "/", pool: "api" }];
    expect(at(issues(c), "routes[0].path")[0]!.message).toContain('write "/b"');
  });
});

describe("parseConfigText: editing help", () => {
  const minimal = { listeners: [{ port: 0 }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ path: "/", pool: "a" }] };
  test('"$schema", eventLog and routes[].name are accepted; eventLog defaults to text and info', () => {
    const c = parseConfigText(JSON.stringify({ $schema: "./routes.schema.json", ...minimal, routes: [{ path: "/", pool: "a", name: "all" }], eventLog: {} }));
    expect(c.eventLog).toEqual({ format: "text", level: "info" });
    expect(c.routes[0]!.name).toBe("all");
    expect(issuesOf(JSON.stringify({ ...minimal, eventLog: { format: "xml", level: "trace" } })).map((i) => i.path)).toEqual(["eventLog.format", "eventLog.level"]);
  });

  test("an unknown Apache or NGINX word names the field to use and the reference", () => {
    const [issue] = issuesOf(JSON.stringify({ ...minimal, pools: { a: { members: [{ url: "http://127.0.0.1:1", loadfactor: 3 }] } } }));
    expect(issue).toEqual({ path: "pools.a.members[0].loadfactor", message: 'unknown field "loadfactor"; use weight (1..100, on the member) (see docs/configuration.md)' });
    expect(issuesOf(JSON.stringify({ ...minimal, colour: 1 }))[0]!.message).toBe('unknown field "colour" (see docs/configuration.md)');
  });
});

describe("decodeUtf8", () => {
  test("UTF-8 (with or without a BOM) decodes; anything else names the line and byte", () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), "f")).toBe("{}");
    expect(decodeUtf8(Buffer.from('{"a":"café"}'), "f")).toBe('{"a":"café"}');
    const latin1 = Buffer.from('{\n"a":\n"caf\u00e9"}', "latin1");
    expect(() => decodeUtf8(latin1, "routes.json")).toThrow("routes.json: 1 error\n  not UTF-8 at line 3 (byte 12); save the file as UTF-8");
  });
});

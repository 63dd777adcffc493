/**
 * The rules src/config/schema.ts owns (units, ranges, formats, strictness, defaults), through the
 * parser the proxy loads routes.json with. Cross-field rules are semantics.ts's (semantics.test.ts);
 * load.test.ts has the error shapes and the main defaults.
 */
import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../src/config/load.ts";
import { ConfigError } from "../../src/config/errors.ts";
import type { Config } from "../../src/config/schema.ts";

type Raw = any;
const base = (): Raw => ({
  listeners: [{ port: 0 }],
  pools: { api: { members: [{ url: "http://127.0.0.1:9000" }] } },
  routes: [{ path: "/", pool: "api" }],
});
const parse = (edit: (c: Raw) => void): Config => {
  const c = base();
  return edit(c), parseConfigText(JSON.stringify(c));
};
/** Every problem as "path: message"; fails the test when the config parses. */
const problems = (edit: (c: Raw) => void): string[] => {
  try {
    parse(edit);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ConfigError, but the config parsed");
};

describe("durations", () => {
  const connect = (d: unknown) => (c: Raw) => (c.pools.api.timeouts = { connect: d });
  test("ms, s, m and h, fractions too, become whole milliseconds; 24h is the most", () => {
    for (const [text, ms] of [["250ms", 250], ["1.5s", 1500], ["5m", 300_000], ["1h", 3_600_000], ["1440m", 86_400_000], ["86400000ms", 86_400_000]] as const) {
      expect([text, parse(connect(text)).pools.api!.timeouts!.connect]).toEqual([text, ms]);
    }
  });

  test("past 24h is too long, whatever the unit", () => {
    for (const text of ["25h", "1441m", "86400001ms"]) expect(problems(connect(text))).toEqual([`pools.api.timeouts.connect: "${text}" is too long: at most "24h"`]);
  });

  test("a number, a bare number, a space, an upper-case unit, a sign or an exponent is not a duration", () => {
    expect(problems(connect(5))).toEqual(['pools.api.timeouts.connect: expected a duration string such as "5s"']);
    for (const text of ["5", "5 s", "5S", "-1s", "1e3ms", "5d"]) {
      expect(problems(connect(text))).toEqual([`pools.api.timeouts.connect: ${JSON.stringify(text)} is not a duration: use a number with ms, s, m or h, e.g. "250ms", "5s"`]);
    }
  });

  test("a timeout, interval, window or cookie age of 0 is refused; shutdownTimeout and ejectFor may be 0", () => {
    const list = problems((c) => {
      c.pools.api.timeouts = { connect: "0s", response: "0ms", idle: "0m" };
      c.pools.api.health = { active: { interval: "0s", timeout: "0s" }, passive: { window: "0s", ejectFor: "0s" } };
      c.pools.api.sticky = { cookie: "S", mode: "insert", maxAge: "0s" };
      c.clientTimeouts = { header: "0s", body: "0s", keepAlive: "0s" };
      c.websocket = { idleTimeout: "0s" };
      c.shutdownTimeout = "0s";
    });
    expect(list.map((l) => l.split(": ")[0]).sort()).toEqual([
      "clientTimeouts.body", "clientTimeouts.header", "clientTimeouts.keepAlive",
      "pools.api.health.active.interval", "pools.api.health.active.timeout", "pools.api.health.passive.window",
      "pools.api.sticky.maxAge", "pools.api.timeouts.connect", "pools.api.timeouts.idle", "pools.api.timeouts.response", "websocket.idleTimeout",
    ]);
    expect(list).toContain('pools.api.timeouts.connect: must be more than 0, e.g. "5s"');
    const c = parse((c) => (c.shutdownTimeout = "0s", c.pools.api.health = { passive: { ejectFor: "0s" } }));
    expect([c.shutdownTimeout, c.pools.api!.health!.passive!.ejectFor]).toEqual([0, 0]);
  });

  test("every duration field is converted, top level ones included", () => {
    const c = parse((c) => {
      c.shutdownTimeout = "1m";
      c.websocket = { idleTimeout: "30s" };
      c.clientTimeouts = { header: "5s", body: "10s", keepAlive: "75s" };
      c.pools.api.health = { active: { interval: "2s", timeout: "500ms" } };
    });
    expect([c.shutdownTimeout, c.websocket!.idleTimeout, c.clientTimeouts]).toEqual([60_000, 30_000, { header: 5000, body: 10_000, keepAlive: 75_000 }]);
    expect([c.pools.api!.health!.active!.interval, c.pools.api!.health!.active!.timeout]).toEqual([2000, 500]);
  });
});

describe("sizes", () => {
  const body = (s: unknown) => (c: Raw) => (c.routes[0].maxBodySize = s);
  test("k, KB, MiB and G are powers of 1024, any case, a space allowed; fractions round down", () => {
    for (const [text, bytes] of [["512k", 524_288], ["10mib", 10 * 1024 ** 2], ["1 GB", 1024 ** 3], ["1.5MB", 1_572_864], ["1.9", 1], ["0", 0]] as const) {
      expect([text, parse(body(text)).routes[0]!.maxBodySize]).toEqual([text, bytes]);
    }
    expect(parse((c) => (c.websocket = { maxMessageSize: "1MB" })).websocket!.maxMessageSize).toBe(1024 ** 2);
  });

  test("a number of bytes with a fraction is whole bytes, rounded down as the strings are", () => {
    expect(parse((c) => (c.routes[0].maxBodySize = 1.5)).routes[0]!.maxBodySize).toBe(1);
  });

  test("an unknown unit, an empty string or a negative number is not a size", () => {
    for (const s of ["100XB", "", -1]) {
      expect(problems(body(s))).toEqual([`routes[0].maxBodySize: ${JSON.stringify(s)} is not a size: use bytes or a number with KB, MB or GB, e.g. "100MB"`]);
    }
  });
});

describe("numbers with a range", () => {
  test("ports are whole numbers 0..65535", () => {
    expect(parse((c) => (c.listeners[0].port = 65535)).listeners[0]!.port).toBe(65535);
    expect(problems((c) => (c.listeners = [{ port: 65536 }, { port: -1 }, { port: 1.5 }]))).toEqual([
      "listeners[0].port: a port is 0..65535",
      "listeners[1].port: a port is 0..65535",
      "listeners[2].port: expected a whole port number",
    ]);
  });

  test("a fraction, a string or a boolean where a count belongs is named in plain words", () => {
    expect(problems((c) => (c.pools.api.retries = 2.5, c.pools.api.members[0].weight = "2", c.routes[0].preserveHost = "yes"))).toEqual([
      "pools.api.members[0].weight: expected a number, got \"2\"",
      "pools.api.retries: expected a whole number, got 2.5",
      "routes[0].preserveHost: expected true or false, got \"yes\"",
    ]);
  });

  test("weights are whole numbers 1..100; passive failOnStatus statuses are 100..599", () => {
    expect(problems((c) => (c.pools.api.members = [{ url: "http://a:1", weight: 100 }, { url: "http://a:2", weight: 101 }]))).toEqual(["pools.api.members[1].weight: expected 1..100"]);
    expect(problems((c) => (c.pools.api.members[0].weight = 2.5))).toEqual([expect.stringMatching(/^pools\.api\.members\[0\]\.weight: /)]);
    expect(problems((c) => (c.pools.api.health = { passive: { failOnStatus: [503, 600, 99] } }))).toEqual([
      "pools.api.health.passive.failOnStatus[1]: expected a status from 100 to 599",
      "pools.api.health.passive.failOnStatus[2]: expected a status from 100 to 599",
    ]);
  });
});

describe("http(s) URLs", () => {
  const bad = (u: unknown) => `${JSON.stringify(u)} is not an http(s) URL of the form http(s)://host:port[/basepath]`;
  test("a member URL needs a host and a valid port; a non-string is named as such", () => {
    for (const u of ["http://:80", "http://a:99999", "file:///x", "http://a b"]) expect(problems((c) => (c.pools.api.members[0].url = u))).toEqual([`pools.api.members[0].url: ${bad(u)}`]);
    expect(problems((c) => (c.pools.api.members[0].url = 5))).toEqual(["pools.api.members[0].url: expected an http or https URL"]);
    expect(parse((c) => (c.pools.api.members[0].url = "https://a.example.com")).pools.api!.members[0]!.url).toBe("https://a.example.com");
  });

  test("the same rule holds for reverseAlso entries and admin.auth.jwksUrl", () => {
    expect(problems((c) => (c.routes[0].reverseAlso = ["https://old.example.com", "ftp://x"]))).toEqual([`routes[0].reverseAlso[1]: ${bad("ftp://x")}`]);
    expect(problems((c) => (c.admin = { auth: { jwksUrl: "ldap://idp" } }))).toEqual([`admin.auth.jwksUrl: ${bad("ldap://idp")}`]);
  });
});

describe("active health probes: what is written on the probe's lines", () => {
  const active = (a: object) => (c: Raw) => (c.pools.api.health = { active: a });
  const PATH = "pools.api.health.active.path: a request target of printable ASCII without spaces (percent-encode the rest)";
  const HOST = "pools.api.health.active.host: a Host value of printable ASCII without spaces (percent-encode the rest)";
  test("non-ASCII, tabs and an empty Host are refused; percent-encoding passes", () => {
    expect(problems(active({ path: "/é" }))).toEqual([PATH]);
    expect(problems(active({ path: "/a\tb" }))).toEqual([PATH]);
    expect(problems(active({ host: "" }))).toEqual([HOST]);
    expect(problems(active({ host: "hé.example" }))).toEqual([HOST]);
    expect(parse(active({ path: "/caf%C3%A9" })).pools.api!.health!.active!.path).toBe("/caf%C3%A9");
  });

  test("the path starts with / and is at most 8192 characters; the Host at most 1024", () => {
    expect(problems(active({ path: "*" }))).toEqual(['pools.api.health.active.path: a path starts with "/"']);
    expect(parse(active({ path: "/" + "a".repeat(8191), host: "h".repeat(1024) })).pools.api!.health!.active!.host).toHaveLength(1024);
    expect(problems(active({ path: "/" + "a".repeat(8192), host: "h".repeat(1025) }))).toEqual([
      "pools.api.health.active.path: at most 8192 characters",
      "pools.api.health.active.host: at most 1024 characters",
    ]);
  });

  test("expectStatus is a status or a range", () => {
    expect(parse(active({ expectStatus: "204" })).pools.api!.health!.active!.expectStatus).toBe("204");
    expect(problems(active({ expectStatus: "2xx" }))).toEqual(['pools.api.health.active.expectStatus: expected a status or a range such as "200-399"']);
  });
});

describe("headers", () => {
  test("names are tokens (a name that is not an identifier is quoted in the path); values are Latin-1", () => {
    const set = (h: object) => (c: Raw) => (c.routes[0].requestHeaders = { set: h });
    expect(parse(set({ "X-A": "café", "X-B": "a\tb" })).routes[0]!.requestHeaders!.set).toEqual({ "X-A": "café", "X-B": "a\tb" });
    expect(problems(set({ "X A": "1" }))).toEqual(['routes[0].requestHeaders.set["X A"]: a header name is an RFC 9110 token (letters, digits, - and a few symbols)']);
    expect(problems(set({ "X-Price": "5 €" }))).toEqual(["routes[0].requestHeaders.set.X-Price: a header value cannot hold CR, LF, NUL or characters beyond Latin-1"]);
  });
});

describe("fixed choices and formats", () => {
  test("a redirect with keepPath needs a `to` without query or fragment: the request's path and query are appended", () => {
    expect(problems((c) => (c.routes = [{ path: "/", redirect: { to: "https://x/?a=1", keepPath: true } }]))).toEqual([
      "routes[0].redirect: a redirect with keepPath appends the path and query to `to`, which then has no ? or #",
    ]);
    expect(parse((c) => (c.routes = [{ path: "/", redirect: { to: "https://x/?a=1" } }])).routes[0]!.redirect!.keepPath).toBe(false);
  });

  test("a listener's https redirect takes 301, 302, 307 or 308 (default 301); a route's redirect 303 too (default 302)", () => {
    expect(problems((c) => (c.listeners.push({ port: 80, redirectHttps: { status: 303 } })))).toEqual(["listeners[1].redirectHttps.status: expected 301, 302, 307 or 308"]);
    const c = parse((c) => (c.routes = [{ path: "/a", redirect: { to: "https://x/" } }, { path: "/", redirect: { to: "/b", status: 303 } }]));
    expect(c.routes.map((r) => r.redirect)).toEqual([{ to: "https://x/", status: 302, keepPath: false }, { to: "/b", status: 303, keepPath: false }]);
  });

  test("TLS certificates are a non-empty list or \"internal\"; minVersion is 1.2 or 1.3", () => {
    const tls = (t: object) => (c: Raw) => (c.listeners[0].tls = t);
    expect(problems(tls({ certificates: [] }))).toEqual(['listeners[0].tls.certificates: give at least one certificate, or "internal"']);
    expect(problems(tls({ certificates: "acme" }))).toEqual(['listeners[0].tls.certificates: expected a list of certificates or "internal"']);
    expect(problems(tls({ certificates: "internal", minVersion: "TLSv1.1" }))).toEqual(['listeners[0].tls.minVersion: expected "TLSv1.2" or "TLSv1.3"']);
  });

  test("a mistake inside a certificate entry is named at its own path, not as a wrong kind of list", () => {
    const tls = (certificates: unknown) => (c: Raw) => (c.listeners[0].tls = { certificates });
    expect(problems(tls([{ cert: "a.crt", key: "a.key", passphrasefile: "p" }]))).toEqual(['listeners[0].tls.certificates[0].passphrasefile: unknown field "passphrasefile" (see docs/configuration.md)']);
    expect(problems(tls([{ cert: "a.crt" }]))).toEqual(["listeners[0].tls.certificates[0].key: required field is missing"]);
    expect(problems(tls([{ cert: "a.crt", key: 5 }]))).toEqual(["listeners[0].tls.certificates[0].key: expected a string, got 5"]);
    expect(problems(tls([{ cert: "a.crt", key: "a.key" }, "b.crt"]))).toEqual(['listeners[0].tls.certificates[1]: expected an object, got "b.crt"']);
  });

  test("route fields: a redirect target is absolute or rooted; rewritePrefix starts with /; a name is not empty and has no control characters; a query never matches", () => {
    expect(problems((c) => (c.routes = [{ path: "/", redirect: { to: "x/y" } }]))).toEqual(["routes[0].redirect.to: a redirect target is an absolute http(s) URL or a path starting with /"]);
    expect(problems((c) => Object.assign(c.routes[0], { rewritePrefix: "v1", name: "" }))).toEqual([
      "routes[0].name: a route name is not empty",
      'routes[0].rewritePrefix: a path starts with "/"',
    ]);
    expect(problems((c) => (c.routes[0].name = "a\nforged log line"))).toEqual(["routes[0].name: a route name has no control characters (line breaks, tabs)"]);
    expect(problems((c) => (c.routes[0].path = "/a?b"))).toEqual(['routes[0].path: "/a?b" can never match a request (paths are matched decoded and normalized); write "/a"']);
  });

  test("a sticky cookie's path has no spaces, commas or semicolons; sameSite is spelled as in Set-Cookie", () => {
    const sticky = (s: object) => (c: Raw) => (c.pools.api.sticky = { cookie: "S", mode: "insert", ...s });
    expect(parse(sticky({ path: "/app", sameSite: "Lax" })).pools.api!.sticky).toMatchObject({ path: "/app", sameSite: "Lax" });
    expect(problems(sticky({ path: "/a;b" }))).toEqual(["pools.api.sticky.path: a cookie path starts with / and has no spaces, commas or semicolons"]);
    expect(problems(sticky({ sameSite: "lax" }))).toEqual(['pools.api.sticky.sameSite: expected one of "Strict", "Lax" or "None", got "lax"']);
  });

  test("metrics buckets: at least one, none negative", () => {
    expect(problems((c) => (c.admin = { metrics: { buckets: [] } }))).toEqual(["admin.metrics.buckets: give at least one bucket bound"]);
    expect(problems((c) => (c.admin = { metrics: { buckets: [-1, 1] } }))).toEqual(["admin.metrics.buckets[0]: a bucket bound is a positive number of seconds"]);
  });
});

describe("strictness and defaults", () => {
  test("an unknown field is an error in every nested object, not only the ones load.test.ts tries", () => {
    const list = problems((c) => {
      c.listeners = [{ port: 0, redirectHttps: { code: 301 } }, { port: 1, tls: { certificates: "internal", ciphers: "x" } }];
      c.pools.api.sticky = { cookie: "S", mode: "insert", domain: "x" };
      c.pools.api.health = { active: { url: "/h" }, passive: { fails: 1 } };
      c.pools.api.tls = { insecure: true };
      c.admin = { auth: { secret: "x", secretFile: "s" }, metrics: { prefix: "x" } };
      c.eventLog = { file: "x" };
      c.websocket = { maxFrame: 1 };
      c.clientTimeouts = { read: "1s" };
    });
    expect(list.map((l) => l.split(": ")[0]).sort()).toEqual([
      "admin.auth.secret", "admin.metrics.prefix", "clientTimeouts.read", "eventLog.file",
      "listeners[0].redirectHttps.code", "listeners[1].tls.ciphers",
      "pools.api.health.active.url", "pools.api.health.passive.fails", "pools.api.sticky.domain", "pools.api.tls.insecure", "websocket.maxFrame",
    ]);
  });

  test("a pool's upstream TLS verifies by default; timeouts left out stay unset for the compiler to fill", () => {
    const c = parse((c) => (c.pools.api.tls = {}, c.pools.api.timeouts = {}, c.websocket = {}, c.clientTimeouts = {}));
    expect(c.pools.api!.tls).toEqual({ verify: true });
    expect([c.pools.api!.timeouts, c.websocket, c.clientTimeouts, c.shutdownTimeout]).toEqual([{}, {}, {}, undefined]);
  });
});

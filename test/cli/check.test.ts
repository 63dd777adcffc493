import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRuntime, reportAllProblems, runCheck, summary } from "../../src/cli/check.ts";
import { CHECK_HELP } from "../../src/cli/help.ts";
import { makeTempDir } from "../temp-dirs.ts";
import { opensslOk } from "../tls/openssl.ts";

function capture() {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await runCheck(args, c.io);
  return { code, out: c.out.join("\n"), err: c.err.join("\n") };
}

/** Writes routes.json (text or an object) into a fresh directory and returns its path. */
function routes(cfg: unknown, dir = makeTempDir("check-test-")): string {
  const file = join(dir, "routes.json");
  writeFileSync(file, typeof cfg === "string" ? cfg : JSON.stringify(cfg));
  return file;
}

const minimal = (over: object = {}) => ({
  listeners: [{ port: 0, host: "127.0.0.1" }],
  pools: { api: { members: [{ url: "http://127.0.0.1:9000", route: "n1" }] } },
  routes: [{ path: "/", pool: "api" }],
  ...over,
});

describe("proxy check: arguments", () => {
  test("--help and -h print the help on stdout and exit 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await check(flag);
      expect(r).toEqual({ code: 0, out: CHECK_HELP, err: "" });
    }
  });

  test("no file, two files or an unknown option is a usage error (2) with the reason and the help", async () => {
    const file = routes(minimal());
    for (const [args, reason] of [[[], "give exactly one file"], [[file, file], "give exactly one file"], [["--verbose", file], "Unknown option '--verbose'"], [["--routes", file, file], "give exactly one file"]] as const) {
      const r = await check(...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toStartWith(reason);
      expect(r.err).toEndWith(`\n\n${CHECK_HELP}`);
    }
  });
});

test("proxy check: --routes F names the file as `proxy --routes F` does", async () => {
  const r = await check("--routes", routes(minimal()));
  expect(r.code).toBe(0);
  expect(r.out).toContain("configuration is valid");
});

describe("proxy check: errors fail with exit 1 and print no summary", () => {
  test("a file that does not exist", async () => {
    const file = join(makeTempDir("check-test-"), "nope.json");
    const r = await check(file);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toStartWith(`${file}: 1 error\n  file not found`);
  });

  test("invalid JSON names the line and column", async () => {
    const file = routes('{\n  "listeners": [\n}');
    const r = await check(file);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/: 1 error\n {2}not valid JSON at line 3, column \d+: /);
  });

  test("schema errors are all reported, each with its JSON path", async () => {
    const cfg = minimal({ pools: { api: { members: [{ url: "ftp://x" }], method: "random" } } });
    const r = await check(routes(cfg));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(": 2 errors\n");
    expect(r.err).toContain('\n  pools.api.members[0].url: "ftp://x" is not an http(s) URL');
    expect(r.err).toContain("\n  pools.api.method: expected one of byrequests");
  });

  test("an access log in a directory that does not exist is an error at accessLog.path", async () => {
    const dir = makeTempDir("check-test-");
    const r = await check(routes(minimal({ accessLog: { path: "logs/access.log" } }), dir));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(`: 1 error\n  accessLog.path: "logs/access.log": the directory ${join(dir, "logs")} does not exist`);
  });

  test("files that fail are all named at once: pools' and routes' files, the listener's certificate, the access log's directory, the admin's secret", async () => {
    const r = await check(routes(minimal({
      listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "missing.crt", key: "missing.key" }] } }],
      pools: { api: { members: [{ url: "https://127.0.0.1:9000" }], tls: { ca: "missing-ca.pem" } }, two: { members: [{ url: "https://127.0.0.1:9001" }], tls: { ca: "missing-ca2.pem" } } },
      routes: [{ path: "/", pool: "api", auth: { jwt: { secretFile: "missing-secret" } } }, { path: "/two", pool: "two" }],
      accessLog: { path: "logs/access.log" },
      admin: { listen: "127.0.0.1:0", auth: { secretFile: "missing-admin.secret" } },
    })));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const paths = [...r.err.matchAll(/^  (\S+): /gm)].map((m) => m[1]);
    expect(paths).toEqual(["pools.api.tls.ca", "pools.two.tls.ca", "routes[0].auth.jwt.secretFile", "accessLog.path", "listeners[0].tls.certificates[0].cert", "admin.auth.secretFile"]);
    expect(r.err).toContain(": 6 errors\n");
  });
});

describe("proxy check: a valid configuration", () => {
  test("prints a line per listener, pool and route, then says it is valid, and exits 0", async () => {
    const file = routes({
      listeners: [{ port: 0, host: "127.0.0.1" }, { port: 0, host: "127.0.0.1", redirectHttps: { port: 8443 } }],
      pools: { api: { method: "bybusyness", members: [{ url: "http://127.0.0.1:9000/base", route: "n1", weight: 3 }, { url: "http://127.0.0.1:9001", route: "n2", standby: true, state: "drain" }] } },
      routes: [
        { path: "/api", pool: "api", rewritePrefix: "/v1" },
        { host: "a.example.com", path: "/x", respond: { status: 404 } },
        { path: "/old", redirect: { to: "/new", status: 301 } },
      ],
    });
    const r = await check(file);
    expect(r).toEqual({
      code: 0,
      err: "",
      out: [
        "listener 127.0.0.1:0 (http)",
        "listener 127.0.0.1:0 (redirect to https port 8443)",
        "pool api (bybusyness): http://127.0.0.1:9000/base w=3 route=n1; http://127.0.0.1:9001 w=1 route=n2 standby drain",
        "route * /api -> pool api (rewrite to /v1)",
        "route a.example.com /x -> respond 404",
        "route * /old -> redirect 301 /new",
        `${file}: configuration is valid`,
      ].join("\n"),
    });
  });

  test("a route that serves only some listener ports says which", async () => {
    const file = routes({
      listeners: [{ port: 8080, host: "127.0.0.1" }, { port: 8443, host: "127.0.0.1" }],
      pools: { api: { members: [{ url: "http://127.0.0.1:9000", route: "n1" }] } },
      routes: [{ path: "/", pool: "api", ports: [8443] }, { path: "/", respond: { status: 404 }, ports: [8080] }],
    });
    const r = await check(file);
    expect(r.code).toBe(0);
    expect(r.out).toContain("route * / -> pool api (ports 8443)\nroute * / -> respond 404 (ports 8080)\n");
  });

  test("summary lists routes in file order, whatever order the router keeps them in", async () => {
    const file = routes(minimal({ routes: [{ path: "/", pool: "api" }, { path: "/a/b", pool: "api" }, { host: "h.example", path: "/a", pool: "api" }] }));
    const rt = (await loadRuntime(file, capture().io))!;
    try {
      expect([...rt.router.routes()].map((r) => r.index)).not.toEqual([0, 1, 2]); // the router keeps host routes first
      expect(summary(rt).split("\n").filter((l) => l.startsWith("route "))).toEqual(["route * / -> pool api", "route * /a/b -> pool api", "route h.example /a -> pool api"]);
    } finally { rt.close(); }
  });

  test("warnings go to stderr and do not fail", async () => {
    const r = await check(routes(minimal({ pools: { api: { members: [{ url: "https://127.0.0.1:9000", route: "n1" }], tls: { verify: false } } } })));
    expect(r.code).toBe(0);
    expect(r.err).toBe("warning: pools.api.tls.verify is false: upstream certificates are not checked (like Apache SSLProxyVerify none)");
    expect(r.out).toEndWith("configuration is valid");
  });

  test("a listener port already in use is a warning, not an error (the running proxy may hold it)", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const r = await check(routes(minimal({ listeners: [{ port: holder.port, host: "127.0.0.1" }] })));
      expect(r.code).toBe(0);
      expect(r.err).toBe(`warning: listeners[0].port: ${holder.port} is in use (on 127.0.0.1); stop what listens there or choose another port now; \`proxy --routes\` would fail unless that is this proxy`);
      expect(r.out).toContain(`listener 127.0.0.1:${holder.port} (http)`);
      expect(r.out).toEndWith("configuration is valid");
    } finally { holder.stop(true); }
  });

  test('"internal" certificates are checked without issuing anything into dataDir', async () => {
    const dir = makeTempDir("check-test-");
    const r = await check(routes(minimal({ listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: "internal" } }], dataDir: "data" }), dir));
    expect(r.code).toBe(0);
    expect(r.out).toStartWith("listener 127.0.0.1:0 (https)\n");
    expect(existsSync(join(dir, "data"))).toBe(false);
  });
});

describe("proxy check: key material is loaded, as at start", () => {
  let dir = "";
  beforeAll(() => {
    dir = makeTempDir("check-tls-");
    for (const n of ["a", "b"]) {
      opensslOk(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${n}.key`, "-out", `${n}.crt`, "-days", "365", "-subj", `/CN=${n}.test`, "-addext", `subjectAltName=DNS:${n}.test`);
    }
  });
  const tlsConfig = (cert: string, key: string) => minimal({ listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert, key }] } }] });

  test("a TLS listener whose key matches its certificate is valid", async () => {
    const r = await check(routes(tlsConfig("a.crt", "a.key"), dir));
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toStartWith("listener 127.0.0.1:0 (https)\n");
  });

  test("a TLS listener whose key does not match its certificate fails, naming the field", async () => {
    const file = routes(tlsConfig("a.crt", "b.key"), dir);
    const r = await check(file);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toStartWith(`${file}: 1 error\n  listeners[0].tls.certificates[0].key: b.key does not match a.crt`);
  });

  test("admin.auth with a secret shorter than 32 bytes fails; 32 bytes pass", async () => {
    const adminDir = makeTempDir("check-admin-");
    const cfg = minimal({ admin: { auth: { secretFile: "admin.secret" } } });
    writeFileSync(join(adminDir, "admin.secret"), "too-short\n");
    const file = routes(cfg, adminDir);
    const bad = await check(file);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe("");
    expect(bad.err).toStartWith(`${file}: 1 error\n  admin.auth.secretFile: `);
    expect(bad.err).toContain("an admin secret needs at least 32 bytes, this one has 9");
    writeFileSync(join(adminDir, "admin.secret"), "k".repeat(32) + "\n");
    const good = await check(file);
    expect(good.code).toBe(0);
    expect(good.out).toEndWith("configuration is valid");
  });
});

describe("reportAllProblems: a start-up that failed names what proxy check names", () => {
  const broken = minimal({
    listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "missing.crt", key: "missing.key" }] } }],
    pools: { api: { members: [{ url: "https://127.0.0.1:9000" }], tls: { ca: "missing-ca.pem" } } },
  });

  test("a compile error and a listener certificate are both named, without the check's warnings", async () => {
    const file = routes(broken);
    const c = capture();
    expect(await reportAllProblems(file, JSON.stringify(broken), "what stopped it", c.io)).toBe(true);
    const err = c.err.join("\n");
    expect([...err.matchAll(/^  (\S+): /gm)].map((m) => m[1])).toEqual(["pools.api.tls.ca", "listeners[0].tls.certificates[0].cert"]);
    expect(err).not.toContain("warning");
    expect(err).not.toContain("what stopped it");
  });

  test("a port in use is an error at start", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const cfg = minimal({ listeners: [{ port: holder.port, host: "127.0.0.1" }] });
      const c = capture();
      expect(await reportAllProblems(routes(cfg), JSON.stringify(cfg), "", c.io)).toBe(true);
      expect(c.err.join("\n")).toContain(`listeners[0].port: ${holder.port} is in use`);
    } finally { holder.stop(true); }
  });

  test("when the check finds nothing, the failure that stopped the start-up is printed as it is; with none, nothing", async () => {
    const cfg = minimal();
    const c = capture();
    expect(await reportAllProblems(routes(cfg), JSON.stringify(cfg), "routes.json: dataDir is not writable", c.io)).toBe(true);
    expect(c.err).toEqual(["routes.json: dataDir is not writable"]);
    const quiet = capture();
    expect(await reportAllProblems(routes(cfg), JSON.stringify(cfg), "", quiet.io)).toBe(false);
    expect(quiet.err).toEqual([]);
  });
});

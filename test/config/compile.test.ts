import { describe, expect, test } from "bun:test";
import { compile, DEFAULT_TIMEOUTS, joinPath } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { ConfigError } from "../../src/config/errors.ts";
import type { Runtime, RuntimeRoute } from "../../src/config/runtime.ts";
import { SPEC_EXAMPLE } from "./spec-example.ts";

function withRuntime(text: string, fn: (rt: Runtime) => void): void {
  const rt = compile(parseConfigText(text), { file: "/tmp/x/routes.json" });
  try {
    fn(rt);
  } finally {
    rt.close();
  }
}

const routeAt = (rt: Runtime, i: number): RuntimeRoute => [...rt.router.routes()].find((r) => r.index === i)!;

describe("joinPath", () => {
  test("joins without doubling or losing the slash", () => {
    const cases: [string, string, string][] = [
      ["", "/", "/"],
      ["/", "/", "/"],
      ["", "", "/"],
      ["/", "", "/"],
      ["/base", "/", "/base"],
      ["/base/", "/", "/base"],
      ["/base", "", "/base"],
      ["/base", "/token", "/base/token"],
      ["/base/", "/token", "/base/token"],
      ["/base", "token", "/base/token"],
      ["", "/token", "/token"],
      ["/", "/token", "/token"],
      ["https://h:1", "/samlsso", "https://h:1/samlsso"],
      ["https://h:1/", "/samlsso", "https://h:1/samlsso"],
      ["https://h:1/", "/", "https://h:1"],
    ];
    for (const [a, b, want] of cases) expect([a, b, joinPath(a, b)]).toEqual([a, b, want]);
  });
});

describe("compile: the spec example", () => {
  test("base dir, listeners and pools", () => {
    withRuntime(SPEC_EXAMPLE, (rt) => {
      expect(rt.baseDir).toBe("/tmp/x");
      expect(rt.listeners.map((l) => l.port)).toEqual([8080, 8443]);
      expect([...rt.pools.keys()]).toEqual(["identity", "apim-gw"]);

      const id = rt.pools.get("identity")!;
      expect(id.name).toBe("identity");
      expect(id.pool.name).toBe("identity");
      expect(id.retries).toBe(1);
      expect(id.failOnStatus).toEqual(new Set([503]));
      const ms = id.pool.members;
      expect(ms.map((m) => m.origin)).toEqual(["https://127.0.0.1:9443", "https://127.0.0.1:9444", "https://127.0.0.1:9445"]);
      expect(ms.map((m) => m.standby)).toEqual([false, false, true]);
      expect(ms.map((m) => m.weight)).toEqual([1, 1, 1]);
      expect(ms[0]!.route).toBe("isNode1");
      expect(ms[1]!.route).toBe("isNode2");
      // Default route: 8 hex chars, stable for the URL.
      expect(ms[2]!.route).toMatch(/^[0-9a-f]{8}$/);
      expect(id.dialers.size).toBe(3);
      for (const m of ms) expect(id.dialers.has(m)).toBe(true);

      const gw = rt.pools.get("apim-gw")!;
      expect(gw.pool.members.map((m) => m.url.href)).toEqual(["http://127.0.0.1:8280/"]);
      expect(gw.failOnStatus.size).toBe(0);
      expect(gw.dialers.size).toBe(1);
    });
  });

  test("default routes differ per member URL and are the same on every compile", () => {
    let first = "";
    withRuntime(SPEC_EXAMPLE, (rt) => {
      first = rt.pools.get("identity")!.pool.members[2]!.route;
      expect(rt.pools.get("apim-gw")!.pool.members[0]!.route).not.toBe(first);
    });
    withRuntime(SPEC_EXAMPLE, (rt) => expect(rt.pools.get("identity")!.pool.members[2]!.route).toBe(first));
  });

  test("timeouts: route > pool > defaults", () => {
    const cfg = JSON.parse(SPEC_EXAMPLE);
    cfg.routes[1].timeouts = { response: "10s" };
    cfg.routes[3].timeouts = { idle: "1m" };
    withRuntime(JSON.stringify(cfg), (rt) => {
      expect(DEFAULT_TIMEOUTS).toEqual({ connect: 5_000, response: 60_000, idle: 60_000 });
      expect(rt.pools.get("identity")!.timeouts).toEqual({ connect: 1_000, response: 300_000, idle: 60_000 });
      expect(rt.pools.get("apim-gw")!.timeouts).toEqual(DEFAULT_TIMEOUTS);
      expect(routeAt(rt, 0).timeouts).toEqual(DEFAULT_TIMEOUTS);
      expect(routeAt(rt, 1).timeouts).toEqual({ connect: 1_000, response: 10_000, idle: 60_000 });
      expect(routeAt(rt, 2).timeouts).toEqual(DEFAULT_TIMEOUTS);
      expect(routeAt(rt, 3).timeouts).toEqual({ connect: 1_000, response: 300_000, idle: 60_000 });
    });
  });

  test("compiling does not change the shared defaults", () => {
    withRuntime(SPEC_EXAMPLE, () => {});
    expect(DEFAULT_TIMEOUTS).toEqual({ connect: 5_000, response: 60_000, idle: 60_000 });
  });

  test("routes[].name is the label when given", () => {
    const named = JSON.parse(SPEC_EXAMPLE) as { routes: object[] };
    named.routes[0] = { ...named.routes[0], name: "token" };
    withRuntime(JSON.stringify(named), (rt) => {
      expect(routeAt(rt, 0).label).toBe("token");
      expect(routeAt(rt, 1).label).toBe("sso.example.com/is-samlsso");
    });
  });

  test("routes: actions, labels, rewritePrefix, deny sets, rules", () => {
    withRuntime(SPEC_EXAMPLE, (rt) => {
      expect([...rt.router.routes()].map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
      const token = routeAt(rt, 0);
      expect(token.label).toBe("sso.example.com/apim-token");
      expect(token.host).toBe("sso.example.com");
      expect(token.action.kind).toBe("pool");
      expect(token.action.kind === "pool" && token.action.pool).toBe(rt.pools.get("apim-gw")!);
      expect(token.rewritePrefix).toBe("/token");
      expect(token.preserveHost).toBe(true);
      expect(token.requestRules).toBeUndefined();
      expect(token.responseRules).toBeUndefined();
      expect(token.reverse).toBeFunction();

      const sso = routeAt(rt, 1);
      expect(sso.denyMethods).toEqual(new Set(["TRACE", "OPTIONS"]));
      expect(sso.responseRules).toBeFunction();
      const h = new Headers({ location: "http://sso.example.com/x" });
      sso.responseRules!(h, { route: "r", member: "m", client_ip: "c", host: "h", scheme: "https" });
      expect(h.get("location")).toBe("https://sso.example.com/x");

      const bm = routeAt(rt, 2);
      expect(bm.label).toBe("*/balancer-manager"); // no host: "*" (routes[].name default)
      expect(bm.action).toEqual({ kind: "respond", status: 404, body: "", bodyBytes: 0, headers: {} });
      expect(bm.reverse).toBeUndefined();

      expect(routeAt(rt, 3).label).toBe("*/");
      expect(rt.router.match("sso.example.com", "/apim-token/x")).toBe(token);
      expect(rt.router.match("other.example.com", "/balancer-manager")).toBe(bm);
    });
  });

  test("reverse maps a member Location under rewritePrefix back to the client URL", () => {
    withRuntime(SPEC_EXAMPLE, (rt) => {
      const sso = routeAt(rt, 1);
      for (const member of ["https://127.0.0.1:9443", "https://127.0.0.1:9445"]) {
        const h = new Headers({ location: `${member}/samlsso/login?x=1` });
        sso.reverse!(h, { scheme: "https", host: "sso.example.com" });
        expect(h.get("location")).toBe("https://sso.example.com/is-samlsso/login?x=1");
      }
    });
  });

  test("reverse is vhost-wide per listener port: a response maps back through the routes its listener serves, not another port's", () => {
    const cfg = {
      listeners: [{ port: 8080 }, { port: 8443 }],
      pools: { web: { members: [{ url: "http://10.0.0.1:80" }] }, gw: { members: [{ url: "http://10.0.0.2:80" }] } },
      routes: [
        { path: "/web", pool: "web", ports: [8080] },
        { path: "/gw", pool: "gw", ports: [8443] },
        { path: "/", pool: "web" },
      ],
    };
    withRuntime(JSON.stringify(cfg), (rt) => {
      const mapped = (i: number, location: string, port: number) => {
        const h = new Headers({ location });
        routeAt(rt, i).reverse!(h, { scheme: "https", host: "edge.example", port });
        return h.get("location");
      };
      expect(mapped(0, "http://10.0.0.2:80/gw/x", 8080)).toBe("http://10.0.0.2:80/gw/x"); // 8443's vhost: not 8080's to map
      expect(mapped(1, "http://10.0.0.2:80/gw/x", 8443)).toBe("https://edge.example/gw/x");
      expect(mapped(1, "http://10.0.0.1:80/x", 8443)).toBe("https://edge.example/x"); // the route of every port
      // The route of every port maps through the routes of the listener the response goes out on.
      expect(mapped(2, "http://10.0.0.2:80/gw/x", 8080)).toBe("http://10.0.0.2:80/gw/x");
      expect(mapped(2, "http://10.0.0.2:80/gw/x", 8443)).toBe("https://edge.example/gw/x");
    });
  });

  test("trusted proxies are compiled to a matcher", () => {
    const cfg = JSON.parse(SPEC_EXAMPLE);
    cfg.trustedProxies = ["10.0.0.0/8"];
    withRuntime(JSON.stringify(cfg), (rt) => {
      expect(rt.isTrustedProxy("10.1.2.3")).toBe(true);
      expect(rt.isTrustedProxy("::ffff:10.1.2.3")).toBe(true);
      expect(rt.isTrustedProxy("192.168.1.1")).toBe(false);
    });
    withRuntime(SPEC_EXAMPLE, (rt) => expect(rt.isTrustedProxy("10.1.2.3")).toBe(false));
  });
});

describe("compile: warnings", () => {
  test("the spec example warns about tls verify:false only (its ^http: edit is correct)", () => {
    withRuntime(SPEC_EXAMPLE, (rt) => {
      expect(rt.warnings).toHaveLength(1);
      expect(rt.warnings[0]).toStartWith("pools.identity.tls.verify is false");
    });
  });

  test("the seeds' ^http -> https edit trap is flagged with the route's path", () => {
    const cfg = JSON.parse(SPEC_EXAMPLE);
    cfg.routes[1].responseHeaders.edit[0] = { name: "Location", match: "^http", replace: "https" };
    withRuntime(JSON.stringify(cfg), (rt) => {
      const trap = rt.warnings.filter((w) => w.startsWith("routes[1].responseHeaders.edit[0]"));
      expect(trap).toHaveLength(1);
      expect(trap[0]).toContain("httpss://");
      expect(rt.warnings.some((w) => w.includes("tls.verify is false"))).toBe(true);
    });
  });

  test("verify: true or no tls block gives no warning", () => {
    const cfg = JSON.parse(SPEC_EXAMPLE);
    cfg.pools.identity.tls = { verify: true };
    withRuntime(JSON.stringify(cfg), (rt) => expect(rt.warnings).toEqual([]));
    delete cfg.pools.identity.tls;
    withRuntime(JSON.stringify(cfg), (rt) => expect(rt.warnings).toEqual([]));
  });
});

describe("compile: other shapes", () => {
  test("redirect routes, preserveHost false, request rules, member base paths", () => {
    const text = JSON.stringify({
      listeners: [{ port: 0 }],
      pools: { app: { members: [{ url: "http://127.0.0.1:9000/base/", weight: 5 }], method: "iphash", retries: 3 } },
      routes: [
        { path: "/old", redirect: { to: "https://new.example/" } },
        { path: "/app", pool: "app", preserveHost: false, maxBodySize: "1k", reverse: false, requestHeaders: { set: { "X-Forwarded-Port": "443" } } },
      ],
    });
    withRuntime(text, (rt) => {
      expect(routeAt(rt, 0).action).toEqual({ kind: "redirect", to: "https://new.example/", status: 302, keepPath: false });
      const app = routeAt(rt, 1);
      expect(app.preserveHost).toBe(false);
      expect(app.maxBodySize).toBe(1024);
      expect(app.reverse).toBeUndefined();
      const h = new Headers({ "x-forwarded-port": "8080" });
      app.requestRules!(h, { route: "r", member: "m", client_ip: "c", host: "h", scheme: "http" });
      expect(h.get("x-forwarded-port")).toBe("443");
      const p = rt.pools.get("app")!;
      expect(p.retries).toBe(3);
      expect(p.pool.members[0]!.weight).toBe(5);
      expect(p.pool.members[0]!.url.pathname).toBe("/base/");
    });
  });
});

describe("JWKS key sets across a reload", () => {
  const cfg = (url: string) => parseConfigText(JSON.stringify({
    listeners: [{ port: 0 }],
    pools: { p: { members: [{ url: "http://127.0.0.1:1" }] } },
    routes: [{ path: "/a", pool: "p", auth: { jwt: { jwksUrl: url } } }, { path: "/b", pool: "p" }],
  }));
  test("a reload that keeps a jwksUrl keeps its key set (the keys fetched so far); a changed URL gets a new one", () => {
    const first = compile(cfg("https://idp.example/jwks"), { file: "/tmp/x/routes.json" });
    const same = compile(cfg("https://idp.example/jwks"), { file: "/tmp/x/routes.json", previous: first });
    const moved = compile(cfg("https://idp2.example/jwks"), { file: "/tmp/x/routes.json", previous: first });
    const keys = (rt: Runtime) => routeAt(rt, 0).auth!.keys;
    expect(keys(same)).toBe(keys(first));
    expect(keys(moved)).not.toBe(keys(first));
    // A refused reload closes what it made, never the running config's key set.
    let closed = false;
    const k = keys(first) as { close(): void };
    const close = k.close.bind(k);
    k.close = () => { closed = true; close(); };
    same.close();
    expect(closed).toBe(false);
    first.close();
    expect(closed).toBe(true);
    moved.close();
  });
});

describe("a large vhost", () => {
  test("2,000 routes on one pool compile in well under a second per thousand (each route's reverse mapping shares one vhost table)", () => {
    const routes = Array.from({ length: 2000 }, (_, i) => ({ path: `/app${i}`, pool: "p" }));
    const started = performance.now();
    withRuntime(JSON.stringify({ listeners: [{ port: 0 }], pools: { p: { members: [{ url: "http://127.0.0.1:1" }] } }, routes }), (rt) => {
      expect([...rt.router.routes()]).toHaveLength(2000);
      // A sibling's Location still maps back through the shared table.
      const h = new Headers({ location: "http://127.0.0.1:1/app1999/x" });
      routeAt(rt, 0).reverse!(h, { scheme: "https", host: "edge.example" });
      expect(h.get("location")).toBe("https://edge.example/app1999/x");
    });
    // Was 2 minutes (every route built and re-sorted a table of all the others); now ~50 ms.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("pools.*.tls.ca", () => {
  const config = parseConfigText(JSON.stringify({ listeners: [{ port: 8080 }], pools: { id: { members: [{ url: "https://10.0.0.1:9443" }], tls: { ca: "certs/ca.pem" } } }, routes: [{ path: "/", pool: "id" }] }));
  const issues = (readFile: (p: string) => Uint8Array) => {
    try {
      compile(config, { file: "/etc/edge/routes.json", readFile });
    } catch (e) {
      return (e as { issues: { path: string; message: string }[] }).issues;
    }
    return [];
  };

  test("a file that cannot be read, or holds no certificate, is an error at the pool's JSON path", () => {
    const missing = issues(() => { throw new Error("ENOENT: no such file"); });
    expect(missing).toEqual([{ path: "pools.id.tls.ca", message: "cannot read certs/ca.pem: ENOENT: no such file (paths are relative to the directory of routes.json)" }]);
    const key = issues(() => new TextEncoder().encode("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
    expect(key[0]?.path).toBe("pools.id.tls.ca");
    expect(key[0]?.message).toStartWith("certs/ca.pem holds a private key, not a certificate");
  });

  test("the file is read relative to routes.json", () => {
    const read: string[] = [];
    issues((p) => { read.push(p); return new Uint8Array(); });
    expect(read).toEqual(["/etc/edge/certs/ca.pem"]);
  });

  test("every pool's and route's file that fails is named at once, and the rest is compiled for proxy check to go on with", () => {
    const two = parseConfigText(JSON.stringify({
      listeners: [{ port: 8080 }],
      pools: { a: { members: [{ url: "https://10.0.0.1:9443" }], tls: { ca: "a.pem" } }, b: { members: [{ url: "https://10.0.0.2:9443" }], tls: { ca: "b.pem" } } },
      routes: [{ path: "/", pool: "a", auth: { jwt: { secretFile: "s" } } }, { path: "/b", pool: "b" }],
    }));
    let caught: ConfigError | undefined;
    try {
      compile(two, { file: "/etc/edge/routes.json", readFile: () => { throw new Error("ENOENT"); } });
    } catch (e) {
      caught = e as ConfigError;
    }
    expect(caught?.issues.map((i) => i.path)).toEqual(["pools.a.tls.ca", "pools.b.tls.ca", "routes[0].auth.jwt.secretFile"]);
    expect([...caught!.partial!.pools.keys()]).toEqual(["a", "b"]);
  });

  test("a pool whose ca and client certificate both fail names both", () => {
    const both = parseConfigText(JSON.stringify({
      listeners: [{ port: 8080 }],
      pools: { a: { members: [{ url: "https://10.0.0.1:9443" }], tls: { ca: "ca.pem", cert: "client.crt", key: "client.key" } } },
      routes: [{ path: "/", pool: "a" }],
    }));
    let caught: ConfigError | undefined;
    try {
      compile(both, { file: "/etc/edge/routes.json", readFile: () => { throw new Error("ENOENT"); } });
    } catch (e) {
      caught = e as ConfigError;
    }
    expect(caught?.issues.map((i) => i.path)).toEqual(["pools.a.tls.ca", "pools.a.tls.cert"]);
  });
});

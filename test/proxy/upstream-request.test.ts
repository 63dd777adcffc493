import { matchPath } from "../../src/proxy/normalize.ts";
import { describe, expect, test } from "bun:test";
import { Member } from "../../src/balancer/member.ts";
import type { RuntimeRoute } from "../../src/config/runtime.ts";
import type { Exchange } from "../../src/proxy/exchange.ts";
import { upstreamHeaders, upstreamTarget } from "../../src/proxy/upstream-request.ts";
import { compileHeaderRules } from "../../src/rewrite/header-rules.ts";

const member = (url = "http://127.0.0.1:8280") => new Member({ url, weight: 1, route: "m1", standby: false, state: "active" });

function route(over: Partial<RuntimeRoute> = {}): RuntimeRoute {
  return {
    index: 0,
    label: "/",
    path: "/",
    action: { kind: "respond", status: 200, body: "", headers: {} },
    preserveHost: true,
    denyMethods: new Set(),
    timeouts: { connect: 5000, response: 60000, idle: 60000 },
    ...over,
  } as RuntimeRoute;
}

function exchange(target: string, r: RuntimeRoute, over: Partial<Exchange> = {}, headers: Record<string, string> = {}): Exchange {
  const q = target.indexOf("?");
  const hostHeader = over.hostHeader ?? "sso.example.com";
  return {
    req: new Request(`http://${hostHeader}${target}`, { headers: { host: hostHeader, ...headers } }),
    route: r,
    method: "GET",
    rawTarget: target,
    path: q < 0 ? target : target.slice(0, q),
    canonical: matchPath(q < 0 ? target : target.slice(0, q))!,
    query: q < 0 ? "" : target.slice(q),
    hostHeader,
    hostName: hostHeader.split(":")[0]!,
    clientIp: "192.0.2.7",
    scheme: "https",
    listenerPort: 8443,
    started: 0,
    pool: "",
    member: "",
    ...over,
  };
}

const targetOf = (path: string, r: RuntimeRoute, m = member()) => upstreamTarget(exchange(path, r), m);

describe("upstreamTarget", () => {
  test("no rewritePrefix: the path and query go as received", () => {
    const r = route({ path: "/app" });
    expect(targetOf("/app/a?b=1", r)).toBe("/app/a?b=1");
    expect(targetOf("/app", r)).toBe("/app");
    expect(targetOf("/", route())).toBe("/");
  });

  test('rewritePrefix "/" on /x: /x/a is /a and /x is /', () => {
    const r = route({ path: "/x", rewritePrefix: "/" });
    expect(targetOf("/x/a", r)).toBe("/a");
    expect(targetOf("/x/a/b", r)).toBe("/a/b");
    expect(targetOf("/x", r)).toBe("/");
    expect(targetOf("/x/", r)).toBe("/");
  });

  test("/apim-token with /token", () => {
    const r = route({ path: "/apim-token", rewritePrefix: "/token" });
    expect(targetOf("/apim-token", r)).toBe("/token");
    expect(targetOf("/apim-token/", r)).toBe("/token/");
    expect(targetOf("/apim-token/oauth2/x", r)).toBe("/token/oauth2/x");
    expect(targetOf("/apim-token?grant_type=password", r)).toBe("/token?grant_type=password");
  });

  test("a rewritePrefix with a trailing slash does not double it", () => {
    const r = route({ path: "/apim-token", rewritePrefix: "/token/" });
    expect(targetOf("/apim-token/a", r)).toBe("/token/a");
    expect(targetOf("/apim-token", r)).toBe("/token/");
  });

  test("a route path ending in / keeps the slash between prefix and rest", () => {
    const r = route({ path: "/app/", rewritePrefix: "/svc" });
    expect(targetOf("/app/a", r)).toBe("/svc/a");
    expect(targetOf("/app/", r)).toBe("/svc/");
  });

  test("route / with a rewritePrefix puts everything under it", () => {
    const r = route({ path: "/", rewritePrefix: "/samlsso" });
    expect(targetOf("/a", r)).toBe("/samlsso/a");
    expect(targetOf("/", r)).toBe("/samlsso/");
  });

  test("the member's base path is joined in front", () => {
    const m = member("http://127.0.0.1:8280/base");
    expect(targetOf("/apim-token/a?q=1", route({ path: "/apim-token", rewritePrefix: "/token" }), m)).toBe("/base/token/a?q=1");
    expect(targetOf("/a", route(), m)).toBe("/base/a");
    expect(targetOf("/x", route({ path: "/x", rewritePrefix: "/" }), m)).toBe("/base/");
    expect(targetOf("/", route(), m)).toBe("/base/");
    const slash = member("http://127.0.0.1:8280/base/");
    expect(targetOf("/a", route(), slash)).toBe("/base/a");
  });

  test("the query and %2F are kept byte for byte", () => {
    const r = route({ path: "/apim-token", rewritePrefix: "/token" });
    expect(targetOf("/apim-token/a%2Fb/c%20d?x=%2F&y=a+b", r)).toBe("/token/a%2Fb/c%20d?x=%2F&y=a+b");
    expect(targetOf("/a%2Fb?", route())).toBe("/a%2Fb?");
  });

  test("the normalized path is what goes upstream, not the raw target", () => {
    const r = route({ path: "/balancer-manager", rewritePrefix: "/bm" });
    const x = exchange("/balancer-manager/x", r, { rawTarget: "/is-samlsso/../balancer-manager/x" });
    expect(upstreamTarget(x, member())).toBe("/bm/x");
  });
});

describe("upstreamHeaders", () => {
  test("hop-by-hop stripped, forwarded headers set, Host preserved by default", () => {
    const x = exchange("/a", route(), { hostHeader: "sso.example.com:8443" }, {
      connection: "x-drop",
      "x-drop": "1",
      "keep-alive": "timeout=5",
      "x-forwarded-for": "6.6.6.6",
      accept: "text/html",
    });
    const h = upstreamHeaders(x, member(), false);
    expect(h.get("host")).toBe("sso.example.com:8443");
    expect(h.has("x-drop")).toBe(false);
    expect(h.has("keep-alive")).toBe(false);
    expect(h.has("connection")).toBe(false);
    expect(h.get("accept")).toBe("text/html");
    expect(h.get("x-forwarded-for")).toBe("192.0.2.7");
    expect(h.get("x-forwarded-proto")).toBe("https");
    expect(h.get("x-forwarded-host")).toBe("sso.example.com:8443");
    expect(h.get("x-forwarded-port")).toBe("8443");
  });

  test("the request's own headers are not modified", () => {
    const x = exchange("/a", route(), {}, { "x-forwarded-for": "6.6.6.6", connection: "x-drop", "x-drop": "1" });
    upstreamHeaders(x, member(), false);
    expect(x.req.headers.get("x-forwarded-for")).toBe("6.6.6.6");
    expect(x.req.headers.get("x-drop")).toBe("1");
  });

  test("trusted: X-Forwarded-For is appended to", () => {
    const x = exchange("/a", route(), {}, { "x-forwarded-for": "203.0.113.1", "x-forwarded-proto": "http" });
    const h = upstreamHeaders(x, member(), true);
    expect(h.get("x-forwarded-for")).toBe("203.0.113.1, 192.0.2.7");
    expect(h.get("x-forwarded-proto")).toBe("http");
  });

  test("preserveHost false sends the member's host and port", () => {
    const x = exchange("/a", route({ preserveHost: false }), { hostHeader: "sso.example.com" });
    expect(upstreamHeaders(x, member("http://10.0.0.5:8280/base"), false).get("host")).toBe("10.0.0.5:8280");
    expect(upstreamHeaders(x, member("https://backend.internal"), false).get("host")).toBe("backend.internal");
    // X-Forwarded-Host still tells the upstream what the client asked for.
    expect(upstreamHeaders(x, member(), false).get("x-forwarded-host")).toBe("sso.example.com");
  });

  test("requestRules run last: the seeds' X-Forwarded-Port 443 overrides the listener port", () => {
    const rules = compileHeaderRules({ set: { "X-Forwarded-Port": "443", "X-Route": "{route} {client_ip} {host} {scheme} {member}" }, remove: ["Cookie"] }, "routes[0].requestHeaders");
    const x = exchange("/a", route({ label: "sso.example.com/a", requestRules: rules }), { hostHeader: "sso.example.com:8443" }, { cookie: "a=1" });
    const h = upstreamHeaders(x, member("http://127.0.0.1:8280"), false);
    expect(h.get("x-forwarded-port")).toBe("443");
    expect(h.get("x-route")).toBe("sso.example.com/a 192.0.2.7 sso.example.com:8443 https http://127.0.0.1:8280");
    expect(h.has("cookie")).toBe(false);
  });

  test("requestRules can override Host even when preserveHost is false", () => {
    const rules = compileHeaderRules({ set: { Host: "virtual.internal" } }, "r");
    const x = exchange("/a", route({ preserveHost: false, requestRules: rules }));
    expect(upstreamHeaders(x, member(), false).get("host")).toBe("virtual.internal");
  });
});

describe("rewritePrefix when the client spelled the prefix differently", () => {
  test("the canonical path's prefix is cut", () => {
    const r = route({ path: "/apim-token", rewritePrefix: "/token" });
    const x = exchange("/apim%2Dtoken/x?q=1", r);
    expect(x.canonical).toBe("/apim-token/x");
    expect(upstreamTarget(x, new Member({ url: "http://10.0.0.5:8280", weight: 1, route: "r", standby: false, state: "active" }))).toBe("/token/x?q=1");
  });
});

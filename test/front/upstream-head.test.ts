import { describe, expect, test } from "bun:test";
import { Member } from "../../src/balancer/member.ts";
import type { RuntimeRoute } from "../../src/config/runtime.ts";
import { readFastHead } from "../../src/front/request-head.ts";
import { upstreamHead, upstreamTarget, type UpstreamHeadInput } from "../../src/front/upstream-head.ts";
import { matchPath } from "../../src/proxy/normalize.ts";

const member = new Member({ url: "http://10.0.0.5:8080", weight: 1, route: "m", standby: false, state: "active" });
const route = (preserveHost: boolean) => ({ path: "/", preserveHost } as unknown as RuntimeRoute);

function input(head: string, trusted: boolean, preserveHost = true): UpstreamHeadInput {
  const h = readFastHead(head)!;
  return { h, route: route(preserveHost), path: h.rawPath, canonical: h.rawPath, query: h.query, clientIp: "192.0.2.7", scheme: "http", port: 80, trusted };
}

test("an untrusted client's X-Forwarded-*, Forwarded and X-Real-IP are replaced, Host per preserveHost", () => {
  const head = "GET /p?q HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nA: 1\r\n\r\n";
  expect(upstreamHead(input(head, false, false), member)).toBe(
    "GET /p?q HTTP/1.1\r\nhost: 10.0.0.5:8080\r\nA: 1\r\nx-forwarded-for: 192.0.2.7\r\nx-forwarded-proto: http\r\nx-forwarded-host: shop\r\nx-forwarded-port: 80\r\n\r\n",
  );
});

test("a trusted proxy's values are kept and its X-Forwarded-For extended (as NGINX $proxy_add_x_forwarded_for)", () => {
  const head = "GET / HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-Proto: https\r\nX-Real-IP: 1.1.1.1\r\n\r\n";
  const out = upstreamHead(input(head, true), member);
  expect(out).toContain("X-Real-IP: 1.1.1.1\r\n");
  expect(out).toContain("x-forwarded-for: 1.1.1.1, 192.0.2.7\r\nx-forwarded-proto: https\r\nx-forwarded-host: shop\r\nx-forwarded-port: 80\r\n");
});

test("an empty X-Forwarded-For from a trusted proxy counts as none (no leading comma)", () => {
  const head = "GET / HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For:\r\n\r\n";
  expect(upstreamHead(input(head, true), member)).toContain("x-forwarded-for: 192.0.2.7\r\n");
});

test("requestHeaders rules run last, on every field including X-Forwarded-* (the seeds' X-Forwarded-Port 443)", () => {
  const x = input("GET / HTTP/1.1\r\nHost: shop\r\nX-Drop: 1\r\nKeep: 2\r\n\r\n", false);
  x.route = { ...x.route, label: "/", requestRules: (h, v) => {
    h.set("x-forwarded-port", "443");
    h.delete("x-drop");
    h.set("x-route", `${v.route} ${v.member} ${v.client_ip} ${v.host} ${v.scheme}`);
  } } as RuntimeRoute;
  const out = upstreamHead(x, member);
  expect(out).toStartWith("GET / HTTP/1.1\r\n");
  expect(out).toContain("x-forwarded-port: 443\r\n");
  expect(out).not.toContain("x-forwarded-port: 80");
  expect(out).not.toContain("x-drop");
  expect(out).toContain("keep: 2\r\n");
  expect(out).toContain("x-route: / http://10.0.0.5:8080 192.0.2.7 shop http\r\n");
  expect(out).toEndWith("\r\n\r\n");
});

const tmember = (url = "http://127.0.0.1:8280") => new Member({ url, weight: 1, route: "m1", standby: false, state: "active" });
function troute(over: Partial<RuntimeRoute> = {}): RuntimeRoute {
  return { index: 0, label: "/", path: "/", preserveHost: true, ...over } as RuntimeRoute;
}
function exchange(target: string, r: RuntimeRoute) {
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  return { route: r, path, canonical: matchPath(path)!, query: q < 0 ? "" : target.slice(q) };
}
const targetOf = (path: string, r: RuntimeRoute, m = tmember()) => upstreamTarget(exchange(path, r), m);

describe("upstreamTarget", () => {
  test("no rewritePrefix: the path and query go as received", () => {
    const r = troute({ path: "/app" });
    expect(targetOf("/app/a?b=1", r)).toBe("/app/a?b=1");
    expect(targetOf("/app", r)).toBe("/app");
    expect(targetOf("/", troute())).toBe("/");
  });

  test('rewritePrefix "/" on /x: /x/a is /a and /x is /', () => {
    const r = troute({ path: "/x", rewritePrefix: "/" });
    expect(targetOf("/x/a", r)).toBe("/a");
    expect(targetOf("/x/a/b", r)).toBe("/a/b");
    expect(targetOf("/x", r)).toBe("/");
    expect(targetOf("/x/", r)).toBe("/");
  });

  test("/apim-token with /token", () => {
    const r = troute({ path: "/apim-token", rewritePrefix: "/token" });
    expect(targetOf("/apim-token", r)).toBe("/token");
    expect(targetOf("/apim-token/", r)).toBe("/token/");
    expect(targetOf("/apim-token/oauth2/x", r)).toBe("/token/oauth2/x");
    expect(targetOf("/apim-token?grant_type=password", r)).toBe("/token?grant_type=password");
  });

  test("a rewritePrefix with a trailing slash does not double it", () => {
    const r = troute({ path: "/apim-token", rewritePrefix: "/token/" });
    expect(targetOf("/apim-token/a", r)).toBe("/token/a");
    expect(targetOf("/apim-token", r)).toBe("/token/");
  });

  test("a route path ending in / keeps the slash between prefix and rest", () => {
    const r = troute({ path: "/app/", rewritePrefix: "/svc" });
    expect(targetOf("/app/a", r)).toBe("/svc/a");
    expect(targetOf("/app/", r)).toBe("/svc/");
  });

  test("route / with a rewritePrefix puts everything under it", () => {
    const r = troute({ path: "/", rewritePrefix: "/samlsso" });
    expect(targetOf("/a", r)).toBe("/samlsso/a");
    expect(targetOf("/", r)).toBe("/samlsso/");
  });

  test("the member's base path is joined in front", () => {
    const m = tmember("http://127.0.0.1:8280/base");
    expect(targetOf("/apim-token/a?q=1", troute({ path: "/apim-token", rewritePrefix: "/token" }), m)).toBe("/base/token/a?q=1");
    expect(targetOf("/a", troute(), m)).toBe("/base/a");
    expect(targetOf("/x", troute({ path: "/x", rewritePrefix: "/" }), m)).toBe("/base/");
    expect(targetOf("/", troute(), m)).toBe("/base/");
    const slash = tmember("http://127.0.0.1:8280/base/");
    expect(targetOf("/a", troute(), slash)).toBe("/base/a");
  });

  test("the query and %2F are kept byte for byte", () => {
    const r = troute({ path: "/apim-token", rewritePrefix: "/token" });
    expect(targetOf("/apim-token/a%2Fb/c%20d?x=%2F&y=a+b", r)).toBe("/token/a%2Fb/c%20d?x=%2F&y=a+b");
    expect(targetOf("/a%2Fb?", troute())).toBe("/a%2Fb?");
  });

  test("the normalized path is what goes upstream, not the raw target", () => {
    const r = troute({ path: "/balancer-manager", rewritePrefix: "/bm" });
    // The client sent /is-samlsso/../balancer-manager/x: what goes upstream is the normalized path.
    const x = exchange("/balancer-manager/x", r);
    expect(upstreamTarget(x, tmember())).toBe("/bm/x");
  });
});


describe("rewritePrefix when the client spelled the prefix differently", () => {
  test("the canonical path's prefix is cut", () => {
    const r = troute({ path: "/apim-token", rewritePrefix: "/token" });
    const x = exchange("/apim%2Dtoken/x?q=1", r);
    expect(x.canonical).toBe("/apim-token/x");
    expect(upstreamTarget(x, new Member({ url: "http://10.0.0.5:8280", weight: 1, route: "r", standby: false, state: "active" }))).toBe("/token/x?q=1");
  });
});

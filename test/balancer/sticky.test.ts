import { describe, expect, test } from "bun:test";
import { Member, type MemberInit } from "../../src/balancer/member.ts";
import type { BalancingMethod } from "../../src/balancer/method.ts";
import { Pool } from "../../src/balancer/pool.ts";
import { Sticky, type StickyConfig } from "../../src/balancer/sticky.ts";
import { cookieValue, requestedRoute, routeOf, urlParamValue } from "../../src/balancer/sticky-route.ts";

const member = (n: number, over: Partial<MemberInit> = {}) =>
  new Member({ url: `http://127.0.0.1:${9000 + n}`, weight: 1, route: `node${n}`, standby: false, state: "active", ...over });
const first: BalancingMethod = { pick: (c) => c[0] };
const none = new Set<Member>();
const req = (cookie: string | null, target = "/") => ({ cookie, target, clientIp: "10.0.0.1" });
const insert = (over: Partial<StickyConfig> = {}): StickyConfig => ({ cookie: "ROUTEID", mode: "insert", failover: true, learn: true, ...over });
const suffix = (over: Partial<StickyConfig> = {}): StickyConfig => ({ cookie: "JSESSIONID", mode: "route-suffix", failover: true, learn: true, ...over });

describe("sticky-route parsing (Apache find_session_route)", () => {
  test("cookie name is case-sensitive and must start a cookie", () => {
    expect(cookieValue("a=1; ROUTEID=.node2; b=3", "ROUTEID")).toBe(".node2");
    expect(cookieValue("routeid=.node2", "ROUTEID")).toBeUndefined();
    expect(cookieValue("XROUTEID=.node9; ROUTEID=.node2", "ROUTEID")).toBe(".node2");
    expect(cookieValue("a=1,ROUTEID=.n1,b=2", "ROUTEID")).toBe(".n1");
    expect(cookieValue(null, "ROUTEID")).toBeUndefined();
  });

  test("the first occurrence wins; the value ends at ; or ,", () => {
    expect(cookieValue("ROUTEID=.a; ROUTEID=.b", "ROUTEID")).toBe(".a");
    expect(cookieValue("ROUTEID=x.n1 ,c=d", "ROUTEID")).toBe("x.n1");
  });

  test("route is everything after the FIRST dot; no dot or nothing after it is no route", () => {
    expect(routeOf("abc.node2.x")).toBe("node2.x");
    expect(routeOf(".node2")).toBe("node2");
    expect(routeOf("node2")).toBeUndefined();
    expect(routeOf("abc.")).toBeUndefined();
    expect(routeOf(undefined)).toBeUndefined();
  });

  test("URL parameter: lower-case name after ; ? or &, value ends at ? & ; / #", () => {
    expect(urlParamValue("/app/x.jsp;jsessionid=ABC.node1?q=1", "jsessionid")).toBe("ABC.node1");
    expect(urlParamValue("/app?a=1&jsessionid=ABC.node3&b", "jsessionid")).toBe("ABC.node3");
    expect(urlParamValue("/app;JSESSIONID=ABC.node1", "jsessionid")).toBeUndefined();
    expect(urlParamValue("/app?xjsessionid=ABC.node1", "jsessionid")).toBeUndefined();
  });

  test("route-suffix: the URL wins over the cookie, even when it carries no route", () => {
    const src = { cookieName: "JSESSIONID", mode: "route-suffix" as const };
    expect(requestedRoute(src, req("JSESSIONID=F00.node1", "/a;jsessionid=BA4.node2"))).toBe("node2");
    expect(requestedRoute(src, req("JSESSIONID=F00.node1", "/a"))).toBe("node1");
    expect(requestedRoute(src, req("JSESSIONID=F00.node1", "/a;jsessionid=BA4"))).toBeUndefined();
  });

  test("insert mode ignores URL parameters: the proxy owns the cookie", () => {
    const src = { cookieName: "ROUTEID", mode: "insert" as const };
    expect(requestedRoute(src, req(null, "/a;routeid=.node2"))).toBeUndefined();
    expect(requestedRoute(src, req("ROUTEID=.node1", "/a"))).toBe("node1");
  });
});

describe("Sticky.choose", () => {
  test("a route naming a usable member goes there, whatever the method would pick", () => {
    const ms = [member(1), member(2), member(3)];
    const s = new Sticky(suffix());
    expect(s.choose(new Pool("p", ms, first), req("JSESSIONID=7F3A.node2"), none)).toBe(ms[1]!);
  });

  test("no route, no-dot value, or a route naming no member: the method picks", () => {
    const ms = [member(1), member(2)];
    const pool = new Pool("p", ms, { pick: (c) => c[c.length - 1] });
    const s = new Sticky(insert({ failover: false }));
    expect(s.choose(pool, req(null), none)).toBe(ms[1]!);
    expect(s.choose(pool, req("ROUTEID=node1"), none)).toBe(ms[1]!);
    // failover:false does not 503 a route that belongs to no member (Apache AH01167 needs one).
    expect(s.choose(pool, req("ROUTEID=.ghost"), none)).toBe(ms[1]!);
    expect(s.choose(pool, req("ROUTEID=abc.node1.x"), none)).toBe(ms[1]!);
  });

  test("failover: an unhealthy sticky member is replaced through the pool's method", () => {
    const ms = [member(1), member(2), member(3)];
    const pool = new Pool("p", ms, first);
    pool.setStatus(ms[0]!, false);
    expect(new Sticky(insert()).choose(pool, req("ROUTEID=.node1"), none)).toBe(ms[1]!);
  });

  test("failover:false: an unavailable sticky member is a refusal (null), which no fallback may override", () => {
    const ms = [member(1), member(2, { state: "disabled" })];
    const pool = new Pool("p", [...ms, member(3)], first);
    const s = new Sticky(insert({ failover: false }));
    pool.setStatus(ms[0]!, false);
    expect(s.choose(pool, req("ROUTEID=.node1"), none)).toBeNull();
    expect(s.choose(pool, req("ROUTEID=.node2"), none)).toBeNull();
  });

  test("retry: the sticky member that failed is in tried; failover picks another, failover:false refuses (null)", () => {
    const ms = [member(1), member(2)];
    const pool = new Pool("p", ms, first);
    const tried = new Set([ms[0]!]);
    expect(new Sticky(suffix()).choose(pool, req("JSESSIONID=X.node1"), tried)).toBe(ms[1]!);
    expect(new Sticky(suffix({ failover: false })).choose(pool, req("JSESSIONID=X.node1"), tried)).toBeNull();
  });

  test("drain keeps its sticky sessions but gets no new ones", () => {
    const d = member(1, { state: "drain" });
    const pool = new Pool("p", [d, member(2)], first);
    const s = new Sticky(insert());
    expect(s.choose(pool, req("ROUTEID=.node1"), none)).toBe(d);
    expect(s.choose(pool, req(null), none)?.route).toBe("node2");
  });

  test("a route naming a usable standby is honoured even while a primary is up (Apache)", () => {
    const standby = member(9, { standby: true });
    const pool = new Pool("p", [member(1), standby], first);
    const s = new Sticky(insert());
    expect(s.choose(pool, req("ROUTEID=.node9"), none)).toBe(standby);
    expect(s.choose(pool, req(null), none)?.route).toBe("node1");
  });
});

describe("Sticky.setCookieFor (insert mode)", () => {
  const m1 = member(1);
  test("set exactly when the route changed: first visit, failover, bogus value; never on a hit", () => {
    const s = new Sticky(insert());
    expect(s.setCookieFor(req(null), m1)).toBe("ROUTEID=.node1; Path=/");
    expect(s.setCookieFor(req("ROUTEID=.node2"), m1)).toBe("ROUTEID=.node1; Path=/");
    expect(s.setCookieFor(req("ROUTEID=node1"), m1)).toBe("ROUTEID=.node1; Path=/");
    expect(s.setCookieFor(req("ROUTEID=.node1"), m1)).toBeUndefined();
    expect(s.setCookieFor(req("other=1; ROUTEID=x.node1"), m1)).toBeUndefined();
  });

  test("name and attributes come from the config; Max-Age in seconds", () => {
    const s = new Sticky(insert({ cookie: "LB", path: "/app", secure: true, httpOnly: true, sameSite: "Lax", maxAge: 3_600_000 }));
    expect(s.setCookieFor(req(null), m1)).toBe("LB=.node1; Path=/app; Max-Age=3600; Secure; HttpOnly; SameSite=Lax");
  });

  test("route-suffix never sets a cookie: the backend owns it", () => {
    expect(new Sticky(suffix()).setCookieFor(req(null), m1)).toBeUndefined();
  });
});

describe("Sticky.learn (route-suffix mode, Tomcat jvmRoute)", () => {
  const derived = () => member(1, { route: "3f2a9c1b", routeExplicit: false });

  test("a member without an explicit route learns it from its session cookie; byRoute finds it", () => {
    const m = derived();
    const pool = new Pool("p", [m, member(2)], first);
    const s = new Sticky(suffix());
    expect(s.learn(m, ["other=1; Path=/", "JSESSIONID=abc.node7; Path=/; HttpOnly"])).toEqual({ route: "node7" });
    expect(m.route).toBe("node7");
    expect(pool.byRoute("node7")).toBe(m);
    expect(s.learn(m, ["JSESSIONID=def.node7"])).toBeUndefined(); // unchanged: nothing to log
    expect(s.learn(m, ["JSESSIONID=def.node9"])).toEqual({ route: "node9" }); // re-learned
    expect(s.choose(pool, { ...req("JSESSIONID=zzz.node9"), clientIp: "-" }, none)).toBe(m);
  });

  test("a route another member of the pool has is not learned: reported once, the member keeps its own", () => {
    const m = derived();
    const owner = member(2, { route: "node2" });
    const s = new Sticky(suffix());
    expect(s.learn(m, ["JSESSIONID=abc.node2"], [m, owner])).toEqual({ route: "node2", taken: owner });
    expect(m.route).toBe("3f2a9c1b");
    expect(s.learn(m, ["JSESSIONID=def.node2"], [m, owner])).toBeUndefined(); // reported already
    expect(s.learn(m, ["JSESSIONID=def.node5"], [m, owner])).toEqual({ route: "node5" });
  });

  test("explicit routes, learn: false, insert mode and values without a route are left alone", () => {
    const explicit = member(1);
    expect(new Sticky(suffix()).learn(explicit, ["JSESSIONID=abc.x"])).toBeUndefined();
    expect(explicit.route).toBe("node1");
    const m = derived();
    expect(new Sticky(suffix({ learn: false })).learn(m, ["JSESSIONID=abc.x"])).toBeUndefined();
    expect(new Sticky(insert()).learn(m, ["ROUTEID=.x"])).toBeUndefined();
    expect(new Sticky(suffix()).learn(m, ["JSESSIONID=abc", "XJSESSIONID=a.b"])).toBeUndefined();
    expect(m.route).toBe("3f2a9c1b");
  });
});

// The basic cases (case-sensitive names, the first cookie wins, the route after the first dot,
// the URL before the cookie) are in sticky.test.ts beside Sticky; these are the edges around them.
import { describe, expect, test } from "bun:test";
import { cookieValue, requestedRoute, routeOf, urlParamValue } from "../../src/balancer/sticky-route.ts";

describe("cookieValue", () => {
  test("a name counts after whitespace alone, but not inside another cookie's value", () => {
    expect(cookieValue("a=1 ROUTEID=.n1", "ROUTEID")).toBe(".n1");
    expect(cookieValue("a=1;\tROUTEID=.n1", "ROUTEID")).toBe(".n1");
    expect(cookieValue("a=ROUTEID=.n9; ROUTEID=.n1", "ROUTEID")).toBe(".n1");
    expect(cookieValue("a=xROUTEID=.n9", "ROUTEID")).toBeUndefined();
  });

  test("the value is trimmed, keeps any '=' in it, and may be empty", () => {
    expect(cookieValue("ROUTEID=  .n1  ; b=2", "ROUTEID")).toBe(".n1");
    expect(cookieValue("ROUTEID=a=b.n1", "ROUTEID")).toBe("a=b.n1");
    expect(cookieValue("ROUTEID=; b=2", "ROUTEID")).toBe("");
  });

  test("whitespace may stand before the '=', and a name with nothing after its '=' is skipped (Apache get_cookie_param)", () => {
    expect(cookieValue("ROUTEID =.n1", "ROUTEID")).toBe(".n1");
    expect(cookieValue("a=1; ROUTEID\t = .n1", "ROUTEID")).toBe(".n1");
    expect(cookieValue("ROUTEIDX=.n9; ROUTEID=.n1", "ROUTEID")).toBe(".n1");
    expect(cookieValue("a=1; ROUTEID=", "ROUTEID")).toBeUndefined();
  });

  test("an empty header or an empty name finds nothing", () => {
    expect(cookieValue("", "ROUTEID")).toBeUndefined();
    expect(cookieValue("=.n1", "")).toBeUndefined();
  });
});

describe("urlParamValue", () => {
  test("the value also ends at / and #", () => {
    expect(urlParamValue("/app;jsessionid=A.n1/page", "jsessionid")).toBe("A.n1");
    expect(urlParamValue("/app?jsessionid=A.n1#top", "jsessionid")).toBe("A.n1");
  });

  test("an occurrence without a delimiter before it is skipped for a later one", () => {
    expect(urlParamValue("/app?xjsessionid=A.n9&jsessionid=B.n2", "jsessionid")).toBe("B.n2");
    expect(urlParamValue("jsessionid=A.n1", "jsessionid")).toBeUndefined();
  });

  test("an empty name finds nothing", () => {
    expect(urlParamValue("/app?=A.n1", "")).toBeUndefined();
  });

  test("an empty value does not count: a later occurrence or nothing", () => {
    expect(urlParamValue("/app;jsessionid=", "jsessionid")).toBeUndefined();
    expect(urlParamValue("/app;jsessionid=?jsessionid=B.n2", "jsessionid")).toBe("B.n2");
  });
});

test("routeOf: a lone dot or an empty value is no route", () => {
  expect(routeOf(".")).toBeUndefined();
  expect(routeOf("")).toBeUndefined();
  expect(routeOf("..n1")).toBe(".n1");
});

describe("requestedRoute", () => {
  const suffix = (cookieName: string) => ({ cookieName, mode: "route-suffix" as const });
  const req = (cookie: string | null, target: string) => ({ cookie, target });

  test("route-suffix looks for the lower-cased cookie name in the URL", () => {
    expect(requestedRoute(suffix("ROUTEID"), req(null, "/a?routeid=x.n3"))).toBe("n3");
    // Only the lower-cased spelling is the URL parameter; the cookie then decides.
    expect(requestedRoute(suffix("ROUTEID"), req("ROUTEID=x.n1", "/a?ROUTEID=x.n3"))).toBe("n1");
  });

  test("an empty URL parameter leaves the route to the cookie, as Apache does", () => {
    expect(requestedRoute(suffix("JSESSIONID"), req("JSESSIONID=F00.node1", "/app;jsessionid="))).toBe("node1");
  });

  test("neither URL parameter nor cookie, or a value without a dot: no route", () => {
    expect(requestedRoute(suffix("JSESSIONID"), req(null, "/a?b=1"))).toBeUndefined();
    expect(requestedRoute({ cookieName: "ROUTEID", mode: "insert" }, req("ROUTEID=n1", "/"))).toBeUndefined();
  });
});

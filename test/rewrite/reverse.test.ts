import { describe, expect, test } from "bun:test";
import { compileReverse, type ClientView, type ReverseInit } from "../../src/rewrite/reverse.ts";

const client: ClientView = { scheme: "https", host: "sso.example.com" };

const apim: ReverseInit = {
  upstreamPrefixes: ["http://10.0.0.5:9763/token", "http://10.0.0.6:9763/token", "https://localhost:9443/commonauth"],
  routePrefix: "/apim-token",
  upstreamPathPrefix: "/token",
  memberHosts: ["10.0.0.5", "10.0.0.6"],
};

function run(init: ReverseInit, set: Record<string, string>, cookies: string[] = [], view = client): Headers {
  const h = new Headers(set);
  for (const c of cookies) h.append("set-cookie", c);
  compileReverse(init)(h, view);
  return h;
}

const loc = (init: ReverseInit, value: string, view = client): string | null => run(init, { location: value }, [], view).get("location");

describe("URL headers", () => {
  test("a redirect to each member is mapped to the client host and route prefix", () => {
    expect(loc(apim, "http://10.0.0.5:9763/token/x?y=1")).toBe("https://sso.example.com/apim-token/x?y=1");
    expect(loc(apim, "http://10.0.0.6:9763/token")).toBe("https://sso.example.com/apim-token");
  });
  test("a reverseAlso URL is mapped", () => {
    expect(loc(apim, "https://localhost:9443/commonauth?sessionDataKey=1")).toBe("https://sso.example.com/apim-token?sessionDataKey=1");
  });
  test("Content-Location and URI are mapped too, other headers are not", () => {
    const h = run(apim, { "content-location": "http://10.0.0.5:9763/token/a", uri: "http://10.0.0.5:9763/token/b", link: "http://10.0.0.5:9763/token/c" });
    expect(h.get("content-location")).toBe("https://sso.example.com/apim-token/a");
    expect(h.get("uri")).toBe("https://sso.example.com/apim-token/b");
    expect(h.get("link")).toBe("http://10.0.0.5:9763/token/c");
  });
  test("foreign and relative URLs are left alone", () => {
    expect(loc(apim, "https://accounts.google.com/o/oauth2")).toBe("https://accounts.google.com/o/oauth2");
    expect(loc(apim, "http://10.0.0.5:9764/token/x")).toBe("http://10.0.0.5:9764/token/x");
    expect(loc(apim, "/token/x")).toBe("/token/x");
    expect(loc(apim, "token/x")).toBe("token/x");
  });
  test("prefix matches only at a segment boundary", () => {
    expect(loc(apim, "http://10.0.0.5:9763/tokens/x")).toBe("http://10.0.0.5:9763/tokens/x");
    const b: ReverseInit = { upstreamPrefixes: ["http://b"], routePrefix: "/p", upstreamPathPrefix: "/", memberHosts: ["b"] };
    expect(loc(b, "http://b2/x")).toBe("http://b2/x");
    expect(loc(b, "http://b/x")).toBe("https://sso.example.com/p/x");
    expect(loc(b, "http://b")).toBe("https://sso.example.com/p");
  });
  test("query, fragment and ;jsessionid are preserved", () => {
    expect(loc(apim, "http://10.0.0.5:9763/token?a=1#frag")).toBe("https://sso.example.com/apim-token?a=1#frag");
    expect(loc(apim, "http://10.0.0.5:9763/token#frag")).toBe("https://sso.example.com/apim-token#frag");
    expect(loc(apim, "http://10.0.0.5:9763/token;jsessionid=AB.n1?x")).toBe("https://sso.example.com/apim-token;jsessionid=AB.n1?x");
  });
  test("default ports and case are normalized on both sides", () => {
    const d: ReverseInit = { upstreamPrefixes: ["http://h:80/a", "https://S:443/b"], routePrefix: "/r", upstreamPathPrefix: "/a", memberHosts: [] };
    expect(loc(d, "http://h/a/1")).toBe("https://sso.example.com/r/1");
    expect(loc(d, "HTTP://H:80/a/1")).toBe("https://sso.example.com/r/1");
    expect(loc(d, "https://s/b")).toBe("https://sso.example.com/r");
    expect(loc(d, "https://s:443/b/2")).toBe("https://sso.example.com/r/2");
    expect(loc(d, "http://h:8080/a/1")).toBe("http://h:8080/a/1");
    // The path part stays case-sensitive.
    expect(loc(d, "http://h/A/1")).toBe("http://h/A/1");
  });
  test("slashes are joined without doubling", () => {
    const root: ReverseInit = { upstreamPrefixes: ["http://m:8080/"], routePrefix: "/", upstreamPathPrefix: "/", memberHosts: [] };
    expect(loc(root, "http://m:8080/x")).toBe("https://sso.example.com/x");
    expect(loc(root, "http://m:8080")).toBe("https://sso.example.com/");
    expect(loc(root, "http://m:8080?q")).toBe("https://sso.example.com/?q");
    const is: ReverseInit = { upstreamPrefixes: ["http://m:8080/samlsso/"], routePrefix: "/is/", upstreamPathPrefix: "/samlsso", memberHosts: [] };
    expect(loc(is, "http://m:8080/samlsso")).toBe("https://sso.example.com/is");
    expect(loc(is, "http://m:8080/samlsso/x")).toBe("https://sso.example.com/is/x");
    const sub: ReverseInit = { upstreamPrefixes: ["http://m:8080/"], routePrefix: "/is", upstreamPathPrefix: "/", memberHosts: [] };
    expect(loc(sub, "http://m:8080/x")).toBe("https://sso.example.com/is/x");
  });
  test("the longest matching prefix wins", () => {
    const l: ReverseInit = { upstreamPrefixes: ["http://m/a", "http://m/a/b"], routePrefix: "/r", upstreamPathPrefix: "/a", memberHosts: [] };
    expect(loc(l, "http://m/a/b/c")).toBe("https://sso.example.com/r/c");
    expect(loc(l, "http://m/a/c")).toBe("https://sso.example.com/r/c");
  });
  test("the client scheme and host (with port) are used", () => {
    expect(loc(apim, "http://10.0.0.5:9763/token/x", { scheme: "http", host: "localhost:8080" })).toBe("http://localhost:8080/apim-token/x");
  });
  test("a bad upstream prefix is rejected at compile time", () => {
    expect(() => compileReverse({ ...apim, upstreamPrefixes: ["/token"] })).toThrow(/\/token/);
    expect(() => compileReverse({ ...apim, upstreamPrefixes: ["ftp://h/x"] })).toThrow(/ftp/);
  });
});

describe("Set-Cookie", () => {
  test("Path under the upstream prefix is mapped, keeping the other attributes in order", () => {
    const h = run(apim, {}, ["a=1; Path=/token; HttpOnly", "b=2; Secure; path=/token/sub; SameSite=Lax"]);
    expect(h.getSetCookie()).toEqual(["a=1; Path=/apim-token; HttpOnly", "b=2; Secure; path=/apim-token/sub; SameSite=Lax"]);
  });
  test("a member's Domain is dropped, other domains are kept", () => {
    const h = run(apim, {}, ["a=1; Domain=.10.0.0.5; Path=/", "b=2; domain=example.com"]);
    expect(h.getSetCookie()).toEqual(["a=1; Path=/", "b=2; domain=example.com"]);
  });
  test("member hosts compare case-insensitively", () => {
    const h = run({ ...apim, memberHosts: ["Backend.local"] }, {}, ["a=1; Domain=backend.LOCAL"]);
    expect(h.getSetCookie()).toEqual(["a=1"]);
  });
  test("unrelated cookies are unchanged and all cookies keep their order", () => {
    const cookies = ["x=1; Path=/", "y=2; Path=/tokens", "z=3; Path=/token/q", "Path=/token; Path=/other"];
    expect(run(apim, {}, cookies).getSetCookie()).toEqual(["x=1; Path=/", "y=2; Path=/tokens", "z=3; Path=/apim-token/q", "Path=/token; Path=/other"]);
  });
  test("cookies with nothing to map are left as they were", () => {
    const cookies = ["x=1; Path=/", "y=2"];
    expect(run(apim, {}, cookies).getSetCookie()).toEqual(cookies);
  });
  test("a root upstream path maps every absolute path under the route prefix", () => {
    const r: ReverseInit = { upstreamPrefixes: ["http://m/"], routePrefix: "/is", upstreamPathPrefix: "/", memberHosts: ["m"] };
    expect(run(r, {}, ["a=1; Path=/", "b=2; Path=/x"]).getSetCookie()).toEqual(["a=1; Path=/is", "b=2; Path=/is/x"]);
  });
});

describe("reverse across the vhost (Apache ProxyPassReverse applies every mapping)", () => {
  test("a redirect into a sibling route's upstream maps to that route; the longest prefix wins", () => {
    const rev = compileReverse({
      upstreamPrefixes: ["https://localhost:9443/commonauth"], routePrefix: "/is-commonauth", upstreamPathPrefix: "/commonauth", memberHosts: ["localhost"],
      others: [
        { upstreamPrefixes: ["https://localhost:9443/authenticationendpoint"], routePrefix: "/is-authenticationendpoint" },
        { upstreamPrefixes: ["https://localhost:9443/"], routePrefix: "/is" },
      ],
    });
    const h = new Headers({ location: "https://localhost:9443/authenticationendpoint/login.do?x=1" });
    rev(h, { scheme: "https", host: "sso.yenlo.com:8091" });
    expect(h.get("location")).toBe("https://sso.yenlo.com:8091/is-authenticationendpoint/login.do?x=1");
    const own = new Headers({ location: "https://localhost:9443/commonauth/x" });
    rev(own, { scheme: "https", host: "sso" });
    expect(own.get("location")).toBe("https://sso/is-commonauth/x");
    const root = new Headers({ location: "https://localhost:9443/oauth2/token" });
    rev(root, { scheme: "http", host: "sso" });
    expect(root.get("location")).toBe("http://sso/is/oauth2/token");
  });
});

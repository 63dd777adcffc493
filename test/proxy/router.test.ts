import { describe, expect, test } from "bun:test";
import { prefixMatches, Router } from "../../src/proxy/router.ts";

interface R { name: string; host?: string; path: string }
const r = (name: string, path: string, host?: string): R => (host === undefined ? { name, path } : { name, path, host });
const names = (router: Router<R>, cases: [string, string][]) => cases.map(([h, p]) => router.match(h, p)?.name ?? null);

describe("prefixMatches", () => {
  test("matches at a segment boundary only", () => {
    const cases: [string, string, boolean][] = [
      ["/", "/", true],
      ["/", "/anything/at/all", true],
      ["/apim-t", "/apim-t", true],
      ["/apim-t", "/apim-t/", true],
      ["/apim-t", "/apim-t/x", true],
      ["/apim-t", "/apim-token", false],
      ["/apim-t", "/apim-", false],
      ["/apim-t", "/apim", false],
      ["/apim-t", "/other", false],
      ["/a/", "/a/", true],
      ["/a/", "/a/b", true],
      ["/a/", "/a", false],
      ["/a/", "/ab", false],
      ["/a/b", "/a/b;jsessionid=1", false],
    ];
    for (const [prefix, path, want] of cases) expect([prefix, path, prefixMatches(prefix, path)]).toEqual([prefix, path, want]);
  });
});

describe("Router", () => {
  test("exact host beats wildcard beats any host", () => {
    const router = new Router<R>([r("any", "/"), r("wild", "/", "*.example.com"), r("exact", "/", "a.example.com")]);
    expect(names(router, [["a.example.com", "/x"], ["b.example.com", "/x"], ["other.org", "/x"]])).toEqual(["exact", "wild", "any"]);
  });

  test("the order of the routes in the config does not matter", () => {
    const router = new Router<R>([r("exact", "/", "a.example.com"), r("wild", "/", "*.example.com"), r("any", "/")]);
    expect(names(router, [["a.example.com", "/x"], ["b.example.com", "/x"], ["other.org", "/x"]])).toEqual(["exact", "wild", "any"]);
  });

  test("the longest wildcard wins", () => {
    const router = new Router<R>([r("short", "/", "*.com"), r("long", "/", "*.b.example.com"), r("mid", "/", "*.example.com")]);
    expect(names(router, [["a.b.example.com", "/"], ["x.a.b.example.com", "/"], ["c.example.com", "/"], ["example.com", "/"], ["x.com", "/"]]))
      .toEqual(["long", "long", "mid", "short", "short"]);
  });

  test("*.example.com matches one label or more, never the bare name or a look-alike", () => {
    const router = new Router<R>([r("wild", "/", "*.example.com")]);
    expect(names(router, [["a.example.com", "/"], ["a.b.example.com", "/"], ["example.com", "/"], ["badexample.com", "/"], ["example.com.evil", "/"]]))
      .toEqual(["wild", "wild", null, null, null]);
  });

  test("route hosts compare case-insensitively (the caller lowers the request host)", () => {
    const router = new Router<R>([r("exact", "/", "SSO.Example.COM"), r("wild", "/", "*.Example.Org")]);
    expect(names(router, [["sso.example.com", "/"], ["a.example.org", "/"]])).toEqual(["exact", "wild"]);
  });

  test("a host without a matching path falls through to less specific buckets", () => {
    const router = new Router<R>([
      r("exact-api", "/api", "a.example.com"),
      r("wild-web", "/web", "*.example.com"),
      r("any-root", "/"),
    ]);
    expect(names(router, [
      ["a.example.com", "/api/x"],
      ["a.example.com", "/web/x"],
      ["a.example.com", "/other"],
      ["b.example.com", "/api/x"],
      ["b.example.com", "/web"],
    ])).toEqual(["exact-api", "wild-web", "any-root", "any-root", "wild-web"]);
  });

  test("falls through from a longer wildcard to a shorter one", () => {
    const router = new Router<R>([r("long", "/only", "*.b.example.com"), r("short", "/", "*.example.com")]);
    expect(names(router, [["a.b.example.com", "/only/1"], ["a.b.example.com", "/else"]])).toEqual(["long", "short"]);
  });

  test("no route at all: undefined", () => {
    const router = new Router<R>([r("api", "/api", "a.example.com")]);
    expect(router.match("a.example.com", "/web")).toBeUndefined();
    expect(router.match("b.example.com", "/api")).toBeUndefined();
    expect(new Router<R>([]).match("x", "/")).toBeUndefined();
  });

  test("the longest prefix wins within a host, whatever the config order", () => {
    const router = new Router<R>([r("root", "/"), r("a", "/a"), r("abc", "/a/b/c"), r("ab", "/a/b")]);
    expect(names(router, [["h", "/"], ["h", "/a"], ["h", "/a/b"], ["h", "/a/b/c/d"], ["h", "/a/bc"], ["h", "/x"]]))
      .toEqual(["root", "a", "ab", "abc", "a", "root"]);
  });

  test("segment boundary: /apim-t does not own /apim-token", () => {
    const router = new Router<R>([r("t", "/apim-t", "sso.example.com"), r("token", "/apim-token", "sso.example.com"), r("root", "/")]);
    expect(names(router, [
      ["sso.example.com", "/apim-t"],
      ["sso.example.com", "/apim-t/x"],
      ["sso.example.com", "/apim-token"],
      ["sso.example.com", "/apim-token/oauth2"],
      ["sso.example.com", "/apim-tok"],
    ])).toEqual(["t", "t", "token", "token", "root"]);
  });

  test("/apim-t?q: the query is not part of the path, so the caller passes /apim-t", () => {
    const router = new Router<R>([r("t", "/apim-t"), r("root", "/")]);
    expect(router.match("h", "/apim-t")?.name).toBe("t");
    // Passing the query in would be a caller bug: it is not a segment boundary.
    expect(router.match("h", "/apim-t?q")?.name).toBe("root");
  });

  test("a prefix ending in / matches below it but not the bare name", () => {
    const router = new Router<R>([r("slash", "/app/"), r("root", "/")]);
    expect(names(router, [["h", "/app/"], ["h", "/app/x"], ["h", "/app"], ["h", "/apps"]])).toEqual(["slash", "slash", "root", "root"]);
  });

  test("/app and /app/ together: the longer one owns what is under the slash", () => {
    const router = new Router<R>([r("bare", "/app"), r("slash", "/app/")]);
    expect(names(router, [["h", "/app"], ["h", "/app/"], ["h", "/app/x"]])).toEqual(["bare", "slash", "slash"]);
  });

  test("two routes with the same host and path: the first in config order wins", () => {
    const router = new Router<R>([r("first", "/x"), r("second", "/x")]);
    expect(router.match("h", "/x")?.name).toBe("first");
  });

  test("routes() yields every route once", () => {
    const list = [r("a", "/", "a.com"), r("b", "/x", "*.b.com"), r("c", "/"), r("d", "/y", "a.com")];
    const router = new Router<R>(list);
    expect([...router.routes()].map((x) => x.name).sort()).toEqual(["a", "b", "c", "d"]);
  });
});

import { describe, expect, test } from "bun:test";
import { matchPath, normalizePath } from "../../src/proxy/normalize.ts";

const check = (cases: [string, string][]) => {
  for (const [raw, want] of cases) expect([raw, normalizePath(raw)]).toEqual([raw, want]);
};

describe("normalizePath", () => {
  test("the spec's case: /is-samlsso/../balancer-manager is /balancer-manager", () => {
    expect(normalizePath("/is-samlsso/../balancer-manager")).toBe("/balancer-manager");
  });

  test("already normal paths are returned unchanged", () => {
    check([["/", "/"], ["/a", "/a"], ["/a/b/", "/a/b/"], ["/a/.hidden", "/a/.hidden"], ["/a/..b", "/a/..b"], ["/a/b..", "/a/b.."], ["/a/...", "/a/..."]]);
  });

  test("%2e and %2E are decoded, then resolved", () => {
    check([
      ["/%2e%2e/x", "/x"],
      ["/a/%2E%2E/b", "/b"],
      ["/a/%2e/b", "/a/b"],
      ["/a/.%2e/b", "/b"],
      ["/a/%2E./b", "/b"],
      ["/is-samlsso/%2e%2e/balancer-manager", "/balancer-manager"],
      ["/%2e", "/"],
      ["/a%2e%2e", "/a.."],
    ]);
  });

  test("other escapes stay as received (no double decoding)", () => {
    check([["/a%20b", "/a%20b"], ["/a/%252e%252e/b", "/a/%252e%252e/b"], ["/a%41", "/a%41"]]);
  });

  test(".. above the root stays at the root", () => {
    check([["/..", "/"], ["/../../x", "/x"], ["/a/b/../../..", "/"], ["/a/../../../b/c", "/b/c"]]);
  });

  test("runs of / are merged", () => {
    check([["//", "/"], ["/a//b///c", "/a/b/c"], ["//a", "/a"], ["/a//", "/a/"], ["/a/b//", "/a/b/"]]);
  });

  test("%2F is kept encoded and is not a segment separator", () => {
    check([["/a%2Fb", "/a%2Fb"], ["/a%2fb/c", "/a%2fb/c"], ["/a%2Fb/../c", "/c"], ["/x/a%2F..%2Fb", "/x/a%2F..%2Fb"]]);
  });

  test("a trailing /. or /.. leaves a trailing slash", () => {
    check([["/a/b/.", "/a/b/"], ["/a/b/..", "/a/"], ["/a/.", "/a/"], ["/a/..", "/"], ["/.", "/"], ["/a/./b/", "/a/b/"], ["/a/b/%2e", "/a/b/"], ["/a/b/%2e%2e", "/a/"]]);
  });

  test("the result always starts with / and has no dot segments or empty segments inside", () => {
    const samples = ["/a/./b/../c//d/.", "/../%2e%2E/./a//b/..", "/x/y/z/../../../../w/", "/%2E%2e//%2e/"];
    for (const raw of samples) {
      const out = normalizePath(raw);
      expect(out.startsWith("/")).toBe(true);
      expect(out.split("/").slice(1, -1)).not.toContainAnyValues(["", ".", ".."]);
      expect(normalizePath(out)).toBe(out); // idempotent
    }
  });
});

describe("fixed: Tomcat's `..;` path-parameter dot segment is not resolved", () => {
  test("/apim-token/..;/admin must not stay under /apim-token (upstream Tomcat/WSO2 reads it as /admin)", () => {
    expect(normalizePath("/apim-token/..;/admin")).toBe("/admin");
    expect(normalizePath("/is-samlsso/..;jsessionid=x/balancer-manager")).toBe("/balancer-manager");
    expect(normalizePath("/a/.;x/b")).toBe("/a/b");
  });
});

describe("matchPath: the path routes are matched against", () => {
  test.each([
    ["/%62alancer-manager", "/balancer-manager"],      // encoded unreserved letter
    ["/balancer%2Dmanager", "/balancer-manager"],
    ["/balancer-manager;x", "/balancer-manager"],      // Tomcat drops path parameters
    ["/a;jsessionid=X/b", "/a/b"],
    ["/x/..%2fbalancer-manager", "/x/..%2fbalancer-manager"],  // encoded slashes stay encoded (refused unless allowed)
    ["/x/..%5Cbalancer-manager", "/x/..%5Cbalancer-manager"],
    ["/x/..\\balancer-manager", "/balancer-manager"],
    ["/x/%252e%252e/y", "/x/%252e%252e/y"],             // decoded once only, as upstreams do
    ["/caf%C3%A9", "/caf%C3%A9"],                       // non-ASCII stays encoded
    ["/plain/path", "/plain/path"],
  ])("%s -> %s", (raw, want) => {
    expect(matchPath(raw)).toBe(want);
  });
  test("a fragment or an encoded NUL is no valid path", () => {
    expect(matchPath("/balancer-manager#x")).toBeUndefined();
    expect(matchPath("/a%00b")).toBeUndefined();
  });
  test("a % without two hex digits after it is no valid path (NGINX and Apache: 400)", () => {
    for (const raw of ["/a%zz", "/a%4", "/a%", "/%g0/x"]) expect(matchPath(raw)).toBeUndefined();
    expect(matchPath("/a%41")).toBe("/aA");
  });
});

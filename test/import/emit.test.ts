import { describe, expect, test } from "bun:test";
import { Draft, duration, poolName, routePath, splitUrl, validHost } from "../../src/import/emit.ts";
import { Report } from "../../src/import/report.ts";

describe("emit helpers", () => {
  test("durations, pool names, route paths, URLs and host names", () => {
    expect([duration(60_000), duration(1000), duration(1500), duration(7_200_000), duration(0)]).toEqual(["1m", "1s", "1500ms", "2h", "0s"]);
    expect(poolName("wso2.identity domain/x")).toBe("wso2.identity-domain-x");
    expect([routePath("/api/"), routePath("/"), routePath("/a")]).toEqual(["/api", "/", "/a"]);
    expect(splitUrl("https://h/x")).toEqual({ scheme: "https", host: "h", port: 443, path: "/x" });
    expect(splitUrl("ajp://h:1")).toBeUndefined();
    expect([validHost("10.0.0.1"), validHost("{node}"), validHost("[::1]")]).toEqual([true, false, true]);
  });

  test("file paths are written relative to routes.json's directory; absolute ones stay", () => {
    const d = new Draft(new Report(), "/out");
    expect(d.file("/etc/x.crt", "/conf")).toBe("/etc/x.crt");
    expect(d.file("certs/x.crt", "/out/conf")).toBe("conf/certs/x.crt");
    expect(d.file("x.crt", "/elsewhere")).toBe("/elsewhere/x.crt");
  });

  test("pools no route uses are left out; a redirect-only import still has a route", () => {
    const d = new Draft(new Report(), "/out");
    d.listener(80).redirectHttps = { port: 443, status: 301 };
    d.pools.set("unused", { members: [] });
    expect(d.converted()).toBe(true);
    expect(d.toJson()).toEqual({ listeners: [{ port: 80, redirectHttps: { port: 443, status: 301 } }], pools: {}, routes: [{ path: "/", respond: { status: 404 } }] });
  });

  test("clientTimeouts: the first value of a field wins, a different one is reported, defaults fill the rest", () => {
    const r = new Report();
    const d = new Draft(r, "/tmp");
    const at = (line: number) => ({ name: "x", args: [], text: "x", loc: { file: "/c/f.conf", line } });
    d.clientTimeout("header", 10_000, at(1));
    d.clientTimeout("header", 10_000, at(2));
    d.clientTimeout("header", 20_000, at(3));
    d.clientTimeoutDefaults({ header: 60_000, body: 60_000, keepAlive: 75_000 });
    expect(d.toJson().clientTimeouts).toEqual({ header: "10s", body: "1m", keepAlive: "75s" });
    expect(r.lines()).toHaveLength(1);
    expect(r.lines()[0]).toMatch(/f.conf:3: .*kept 10s from \/c\/f.conf:1/);
  });
});

describe("Draft routes and listener ports", () => {
  const node = { name: "x", args: [], loc: { file: "f", line: 1 }, text: "x" };
  test("toJson leaves redirectHttps listeners out of the ports: 443 proxies and 80 redirects writes no ports", () => {
    const d = new Draft(new Report(), "/tmp");
    d.listener(80).redirectHttps = { port: 443, status: 301 };
    d.listener(443);
    d.addRoute({ path: "/", pool: "p" }, node, [443]);
    expect(d.toJson().routes).toEqual([{ path: "/", pool: "p" }]);
  });

  test("toJson writes each route's ports when routes come from different routing ports", () => {
    const d = new Draft(new Report(), "/tmp");
    d.listener(80);
    d.listener(8080);
    d.addRoute({ path: "/", pool: "a" }, node, [80]);
    d.addRoute({ path: "/", pool: "b" }, node, [8080]);
    expect(d.toJson().routes).toEqual([{ ports: [80], path: "/", pool: "a" }, { ports: [8080], path: "/", pool: "b" }]);
  });
});

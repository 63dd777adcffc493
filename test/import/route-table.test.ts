import { describe, expect, test } from "bun:test";
import { RouteTable } from "../../src/import/route-table.ts";
import { Report, type Node } from "../../src/import/report.ts";

const at = (line: number): Node => ({ name: "proxypass", args: [], loc: { file: "site.conf", line }, text: `ProxyPass line ${line}` });
const table = () => {
  const report = new Report();
  return { t: new RouteTable(report), lines: () => report.lines() };
};

describe("routes with the listener ports of the site they came from", () => {
  test("the same host and path on disjoint ports are both kept, and each is written with its ports after the host", () => {
    const { t, lines } = table();
    t.add({ host: "x.example", path: "/", pool: "a" }, at(1), [8443]);
    t.add({ host: "x.example", path: "/", pool: "b" }, at(2), [443]);
    expect(t.json([443, 8443])).toEqual([{ host: "x.example", ports: [8443], path: "/", pool: "a" }, { host: "x.example", ports: [443], path: "/", pool: "b" }]);
    expect(lines()).toEqual([]);
  });

  test("on a port the first route already serves, the second is reported with that port and left out", () => {
    const { t, lines } = table();
    t.add({ path: "/", pool: "a" }, at(1), [80]);
    t.add({ path: "/", pool: "b" }, at(2), [80]);
    expect(t.routes).toEqual([{ path: "/", pool: "a" }]);
    expect(lines()).toEqual(["site.conf:2: not carried over: ProxyPass line 2: any host / is already served on port 80 by site.conf:1; kept the first"]);
  });

  test("on some of its ports only, the second route keeps the others, with a note", () => {
    const { t, lines } = table();
    t.add({ path: "/", pool: "a" }, at(1), [443]);
    t.add({ path: "/", pool: "b" }, at(2), [8443, 443]);
    expect(t.json([443, 8443])).toEqual([{ ports: [443], path: "/", pool: "a" }, { ports: [8443], path: "/", pool: "b" }]);
    expect(lines()).toEqual(["site.conf:2: note: ProxyPass line 2: any host / is already served on port 443 by site.conf:1; this route serves port 8443 only"]);
  });

  test("no route gets ports when every route serves every port that routes; a redirectHttps port does not count", () => {
    const { t } = table();
    t.add({ path: "/", pool: "a" }, at(1), [443]);
    t.add({ host: "x.example", path: "/api", pool: "b" }, at(2), [80, 443]);
    expect(t.json([443])).toEqual([{ path: "/", pool: "a" }, { host: "x.example", path: "/api", pool: "b" }]);
    expect(t.json([80, 443])).toEqual([{ ports: [443], path: "/", pool: "a" }, { host: "x.example", ports: [80, 443], path: "/api", pool: "b" }]);
  });

  test("servedOn finds the routes for a host and path on any of the given ports, hosts case-insensitively", () => {
    const { t } = table();
    t.add({ host: "X.example", path: "/", pool: "a" }, at(1), [80]);
    expect(t.servedOn("x.example", "/", [80, 81]).map((e) => e.from.loc.line)).toEqual([1]);
    expect(t.servedOn("x.example", "/", [81])).toEqual([]);
  });
});

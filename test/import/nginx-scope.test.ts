import { expect, test } from "bun:test";
import { Scope } from "../../src/import/nginx-scope.ts";
import { Report } from "../../src/import/report.ts";

const n = (name: string, line: number) => ({ name, args: [], loc: { file: "f", line }, text: name });

test("the innermost level that sets a directive wins entirely; outer() names what it hides; unread ones are reported", () => {
  const http = new Scope();
  http.add(n("proxy_set_header", 1));
  http.add(n("gzip_vary", 2));
  const server = http.child();
  const location = server.child();
  expect(location.get("proxy_set_header").map((x) => x.loc.line)).toEqual([1]);
  expect(location.outer("proxy_set_header")).toEqual([]);
  location.add(n("proxy_set_header", 5));
  location.add(n("proxy_set_header", 6));
  expect(location.get("proxy_set_header").map((x) => x.loc.line)).toEqual([5, 6]);
  expect(location.outer("proxy_set_header").map((x) => x.loc.line)).toEqual([1]);
  const report = new Report();
  http.reportUnused(report);
  expect(report.lines()).toEqual(["f:2: not carried over: gzip_vary: not converted"]);
});

import { expect, test } from "bun:test";
import { Report } from "../../src/import/report.ts";

test("report lines are file:line, kind, the directive on one line and why; sorted by file then line; duplicates once", () => {
  const r = new Report();
  const at = (file: string, line: number, text: string) => ({ loc: { file, line }, text });
  r.skip(at("a.conf", 9, "ErrorLog  /x"), "why");
  r.note(at("a.conf", 2, "Header edit\n Location"), "because");
  r.skip(at("b.conf", 1, "X"), "y");
  r.skip(at("a.conf", 9, "ErrorLog  /x"), "why");
  expect(r.lines()).toEqual(["a.conf:2: note: Header edit Location: because", "a.conf:9: not carried over: ErrorLog /x: why", "b.conf:1: not carried over: X: y"]);
});

test("two directives on one line with the same reason are two entries (NGINX puts several on a line)", () => {
  const r = new Report();
  const at = (text: string) => ({ loc: { file: "n.conf", line: 1 }, text });
  r.skip(at("add_header A b"), "not converted");
  r.skip(at("add_header C d"), "not converted");
  expect(r.lines()).toEqual(["n.conf:1: not carried over: add_header A b: not converted", "n.conf:1: not carried over: add_header C d: not converted"]);
});

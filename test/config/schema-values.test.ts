import { expect, test } from "bun:test";
import * as v from "valibot";
import { duration, isRegex, port, routePath, size } from "../../src/config/schema-values.ts";

const issue = (schema: v.GenericSchema, input: unknown) => v.safeParse(schema, input).issues?.[0]?.message;

test("durations become milliseconds; past a day, or without a unit, is an error that shows the form", () => {
  expect(v.parse(duration, "250ms")).toBe(250);
  expect(v.parse(duration, "2m")).toBe(120_000);
  expect(issue(duration, "25h")).toBe('"25h" is too long: at most "24h"');
  expect(issue(duration, "5")).toBe('"5" is not a duration: use a number with ms, s, m or h, e.g. "250ms", "5s"');
});

test("sizes become whole bytes from a number or KB/MB/GB text", () => {
  expect(v.parse(size, "1.9KB")).toBe(Math.floor(1.9 * 1024));
  expect(v.parse(size, 10)).toBe(10);
  expect(issue(size, "-1MB")).toStartWith('"-1MB" is not a size');
});

test("a route path must be in the canonical form requests are matched in; the message says which to write", () => {
  expect(v.parse(routePath, "/api")).toBe("/api");
  expect(issue(routePath, "/a/../b")).toBe('"/a/../b" can never match a request (paths are matched decoded and normalized); write "/b"');
});

test("ports are whole numbers 0..65535; isRegex tells a compilable pattern", () => {
  expect(issue(port, 70000)).toBe("a port is 0..65535");
  expect(issue(port, 1.5)).toBe("expected a whole port number");
  expect([isRegex("^http://(.*)$"), isRegex("(")]).toEqual([true, false]);
});

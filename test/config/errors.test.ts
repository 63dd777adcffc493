// The common paths, formatIssue and ConfigError's message are in load.test.ts ("jsonPath /
// formatIssue"); these are the keys that must be quoted and what a caller gets from the error.
import { expect, test } from "bun:test";
import { ConfigError, jsonPath } from "../../src/config/errors.ts";

test("a key that is no identifier is quoted as JSON in brackets, escapes included", () => {
  expect(jsonPath(["pools", "9lives"])).toBe('pools["9lives"]');
  expect(jsonPath(["pools", "-x"])).toBe('pools["-x"]');
  expect(jsonPath(["headers", "X Forwarded"])).toBe('headers["X Forwarded"]');
  expect(jsonPath(["pools", 'say "hi"'])).toBe('pools["say \\"hi\\""]');
  expect(jsonPath(["pools", ""])).toBe('pools[""]');
  expect(jsonPath(["pools", "café"])).toBe('pools["café"]');
});

test("identifiers may use _ and $; the first key takes no leading dot, quoted or not", () => {
  expect(jsonPath(["_private", "$ref", "a_b$1"])).toBe("_private.$ref.a_b$1");
  expect(jsonPath(["a.b", "c"])).toBe('["a.b"].c');
  expect(jsonPath([0, "url"])).toBe("[0].url");
  expect(jsonPath(["routes", 0, 1])).toBe("routes[0][1]");
});

test("ConfigError is an Error that carries every issue, for callers that list them one by one", () => {
  const issues = [{ path: "routes[0].path", message: "must start with /" }, { path: "", message: "not valid JSON" }];
  const e = new ConfigError("routes.json", structuredClone(issues));
  expect(e).toBeInstanceOf(Error);
  expect(e.issues).toEqual(issues);
});

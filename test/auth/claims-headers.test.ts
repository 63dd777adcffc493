import { expect, test } from "bun:test";
import { claimHeaders, headerText } from "../../src/auth/claims-headers.ts";

test("claims become header values: text as is, lists joined, objects as JSON, absent skipped", () => {
  const c = claimHeaders({ sub: "X-User", scope: "X-Scope", roles: "X-Roles", org: "X-Org", missing: "X-Missing" });
  expect(c.names).toEqual(["x-user", "x-scope", "x-roles", "x-org", "x-missing"]);
  expect(c.headersFor({ sub: "alice", scope: "read write", roles: ["a", "b"], org: { id: 7 } })).toEqual([
    ["x-user", "alice"], ["x-scope", "read write"], ["x-roles", "a, b"], ["x-org", '{"id":7}'],
  ]);
});

test("a value no header can carry is left out, never cut", () => {
  expect(headerText("a\r\nX-Admin: 1")).toBeUndefined();
  expect(headerText("日本")).toBeUndefined();
  expect(headerText("café")).toBe("café");
  expect(headerText(42)).toBe("42");
  expect(headerText(false)).toBe("false");
  expect(headerText(null)).toBeUndefined();
});

import { expect, test } from "bun:test";
import { compileTemplate, type RuleVars } from "../../src/rewrite/variables.ts";

const vars: RuleVars = { route: "n1", member: "http://m:1", client_ip: "192.0.2.9", host: "h", scheme: "http" };

test("a value without references is a constant", () => {
  const t = compileTemplate("max-age=31536000; $1", "x");
  expect(t.constant).toBe("max-age=31536000; $1");
  expect(t.usesVars).toBe(false);
});

test("variables render per call", () => {
  const t = compileTemplate("{scheme}://{host}/{route}", "x");
  expect(t.constant).toBeUndefined();
  expect(t.usesVars).toBe(true);
  expect(t.render(vars)).toBe("http://h/n1");
  expect(t.render({ ...vars, host: "other" })).toBe("http://other/n1");
});

test("group references follow JS two-digit rules and unmatched groups render empty", () => {
  const t = compileTemplate("[$1][$10][$2]", "x", 10);
  const groups = ["all", "a", undefined, "c", "d", "e", "f", "g", "h", "i", "j"];
  expect(t.render(vars, groups)).toBe("[a][j][]");
  // With a single group, "$10" is group 1 followed by "0".
  expect(compileTemplate("$10", "x", 1).render(vars, ["all", "a"])).toBe("a0");
  expect(t.usesVars).toBe(false);
});

test("a lone $ and an unknown $x are literal", () => {
  expect(compileTemplate("$ and $x", "x", 0).render(vars, ["m"])).toBe("$ and $x");
});

test("unknown variable names the place", () => {
  expect(() => compileTemplate("{rout}", "routes[0].requestHeaders.set[\"X\"]")).toThrow('routes[0].requestHeaders.set["X"]: unknown variable {rout}');
});

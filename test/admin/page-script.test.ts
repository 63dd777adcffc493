import { expect, test } from "bun:test";
import { REFRESH_MS, SCRIPT } from "../../src/admin/page-script.ts";

test("the page script is valid JavaScript, refreshes at least once a second and rewrites only changed rows", () => {
  expect(() => new Function(SCRIPT)).not.toThrow();
  expect(REFRESH_MS).toBeLessThanOrEqual(1000);
  expect(SCRIPT).toContain(`const EVERY = ${REFRESH_MS};`);
  expect(SCRIPT).toContain("html === row.html) return;");
});

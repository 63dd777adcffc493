import { expect, test } from "bun:test";
import { loginPage, statusPage } from "../../src/admin/page.ts";

test("the pages load nothing from elsewhere and the status page polls at least once a second", async () => {
  const page = String(await statusPage(true));
  expect(page).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  expect(page).toContain('fetch("/api/v1/status"');
  const every = Number(/const EVERY = (\d+);/.exec(page)?.[1]);
  expect(every).toBeLessThanOrEqual(1000);
  expect(page).toContain("setTimeout(tick, Math.max(0, EVERY - ");
  const login = String(await loginPage("bad <token>"));
  expect(login).toContain("bad &lt;token&gt;"); // escaped by the html helper
  expect(login).toContain('action="/login"');
});

test("the pages ask for no favicon, and a pool's table scrolls sideways rather than being clipped", async () => {
  for (const page of [String(await statusPage(true)), String(await loginPage())]) expect(page).toContain('<link rel="icon" href="data:,">');
  expect(String(await statusPage(true))).toMatch(/section\{content-visibility:auto;[^}]*overflow-x:auto\}/);
});

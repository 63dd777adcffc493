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

test("the status page carries a read-only member table for browsers without JavaScript, escaped", async () => {
  const member = { route: "n<1>", url: "http://m/\"><script>x</script>", weight: 2, state: "drain", health: { status: "ejected", reason: "connect refused" }, requests: 7, errors: 1 };
  const page = String(await statusPage(false, [{ name: "app", method: "byrequests", sticky: false, members: [member] } as never]));
  const plain = /<noscript><p>[\s\S]*?<\/noscript>/.exec(page)?.[0] ?? "";
  expect(plain).toContain("<td>app</td>");
  expect(plain).toContain("<td>drain</td><td>ejected (connect refused)</td><td>2</td>");
  expect(plain).not.toContain("<script>");
  expect(plain).toContain("&lt;script&gt;");
  expect(page).toContain('<noscript><meta http-equiv="refresh" content="5"></noscript>');
});

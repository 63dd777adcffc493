/** The status page in headless Chromium (Debian's, via playwright-core): log in, see members, drain. */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { echoUpstream, runBinary } from "./harness.ts";
import { adminProxy, token } from "./admin-harness.ts";

const REPORTS = join(import.meta.dir, "../../reports");

test("log in with a token, see every member and its last probe, press drain: page and API change within a second; log out ends the session", async () => {
  const ups = [echoUpstream("n1"), echoUpstream("n2"), echoUpstream("n3")];
  const ctx = await adminProxy(ups, { health: { active: { path: "/health", interval: "1s" } } });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    for (let i = 0; i < 6; i++) await (await fetch(ctx.p.url + "/")).text();
    const write = await token(ctx.dir, "write", "pat");
    const page = await browser.newPage({ viewport: { width: 1400, height: 600 } });
    await page.goto(ctx.admin + "/");
    await page.fill("input[name=token]", write);
    await page.click("button[type=submit]");
    for (const n of ["n1", "n2", "n3"]) await page.locator(`tr[data-member="${n}"] .probe`).waitFor({ timeout: 5000 });
    expect(await page.locator('tr[data-member="n1"] .probe').textContent()).toMatch(/^probe ok [\d.]+ ms at \d\d:\d\d:\d\d$/);
    const started = Date.now();
    await page.click('tr[data-member="n2"] button[data-a="drain"]');
    await page.locator('tr[data-member="n2"] td.state .drain').waitFor({ timeout: 1000 });
    const api = (await (await fetch(ctx.admin + "/api/v1/pools/app", { headers: { authorization: `Bearer ${write}` } })).json()) as any;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(api.members[1]).toMatchObject({ route: "n2", state: "drain", overridden: true });
    mkdirSync(REPORTS, { recursive: true });
    await page.screenshot({ path: join(REPORTS, "admin-status-page.png"), fullPage: true });
    expect(ctx.p.stderr()).toContain("admin: pat set pool=app");
    // Log out: the browser drops the session, and a reload stays on the login form.
    await page.click("#logout button");
    await page.locator("input[name=token]").waitFor({ timeout: 2000 });
    await page.reload();
    expect(await page.title()).toBe("edge-proxy login");
  } finally {
    await browser.close();
    await ctx.p.stop();
    for (const u of ups) u.stop();
  }
}, 30_000);

test("at 1280 px a wide row's buttons can be pressed; when the session's token expires the page goes back to the login form", async () => {
  const ups = [echoUpstream("n1"), echoUpstream("n2")];
  // A long base path makes n1's row wider than the window.
  const ctx = await adminProxy([{ url: `${ups[0]!.url}/${"context-path/".repeat(12)}` }, ups[1]!]);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const long = await token(ctx.dir, "write", "pat");
    const short = await runBinary(["token", "--secret-file", `${ctx.dir}/admin.secret`, "--scope", "write", "--ttl", "3s"]);
    const write = short.stdout.trim();
    // A drained member carries its "(routes.json: active)" note: the widest row.
    await fetch(ctx.admin + "/api/v1/pools/app/members/n1", { method: "PATCH", body: '{"state":"drain"}', headers: { authorization: `Bearer ${long}`, "content-type": "application/json" } });
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    await page.goto(ctx.admin + "/");
    await page.fill("input[name=token]", write);
    await page.click("button[type=submit]");
    await page.click('tr[data-member="n1"] button[data-a="disabled"]', { timeout: 3000 });
    await page.locator('tr[data-member="n1"] td.state .disabled').waitFor({ timeout: 2000 });
    await page.locator("input[name=token]").waitFor({ timeout: 10_000 });
    expect(await page.title()).toBe("edge-proxy login");
  } finally {
    await browser.close();
    await ctx.p.stop();
    for (const u of ups) u.stop();
  }
}, 30_000);

test("without JavaScript the page still lists every member with its state and health, read-only", async () => {
  const ups = [echoUpstream("n1"), echoUpstream("n2")];
  const ctx = await adminProxy(ups);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const read = await token(ctx.dir, "read");
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(ctx.admin + "/");
    await page.fill("input[name=token]", read);
    await page.click("button[type=submit]");
    await page.locator("noscript table").first().waitFor({ state: "attached", timeout: 5000 });
    const text = await page.locator("body").innerText();
    for (const u of ups) expect(text).toContain(new URL(u.url).origin);
    expect(text).toMatch(/app\s+http:\/\/127\.0\.0\.1:\d+\s+n1\s+active\s+up/);
  } finally {
    await browser.close();
    await ctx.p.stop();
    for (const u of ups) u.stop();
  }
}, 30_000);

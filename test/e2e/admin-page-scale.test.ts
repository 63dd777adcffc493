/**
 * The status page at the contract's scale, 50 pools of 20 members (1,000 rows), in headless
 * Chromium: every member listed, refreshes on time without the DOM or the JS heap growing,
 * drain visible on the page and in the API within a second. The figures (first paint, redraw
 * time, gaps, DOM and JSON size) and a screenshot of the drained row go to reports/.
 * Members are a closed port (health checks off, so nothing dials them) except two real ones.
 */
import { expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { REFUSED_URL, closedPort, echoUpstream, startProxy, tempDir, writeFile } from "./harness.ts";
import { token } from "./admin-harness.ts";

// The functions given to page.evaluate run in the browser; this project is type-checked without the DOM library.
declare const document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null; querySelectorAll(sel: string): Iterable<DomElement>; documentElement: { outerHTML: string } };
interface DomElement { textContent: string | null; getAttribute(name: string): string | null; closest(sel: string): DomElement | null }

const REPORTS = join(import.meta.dir, "../../reports");
const POOLS = 50, MEMBERS = 20;
const pad = (n: number) => String(n).padStart(2, "0");

function scaleConfig(real: string[], adminPort: number) {
  const pools: Record<string, object> = {};
  for (let p = 0; p < POOLS; p++) {
    // p00: the real members first, its dead ones disabled, so its traffic goes to the real ones.
    const members = Array.from({ length: MEMBERS }, (_, j) => p === 0 && j < real.length
      ? { url: real[j]!, route: `m${pad(j)}` }
      : { url: `${REFUSED_URL}/m${j}`, route: `m${pad(j)}`, ...(p === 0 ? { state: "disabled" } : {}) });
    pools[`p${pad(p)}`] = { members };
  }
  return {
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools,
    routes: Object.keys(pools).map((name) => ({ path: `/${name}`, pool: name })),
    accessLog: { format: "combined", path: "access.log" },
    admin: { listen: `127.0.0.1:${adminPort}`, auth: { secretFile: "admin.secret" } },
  };
}

/** The page's own count of finished redraws (#meta data-refreshes). */
const refreshes = (page: Page) => page.evaluate(() => Number(document.getElementById("meta")!.dataset.refreshes ?? 0));

test("50 pools x 20 members: every member listed, refreshes on time without growing, drain within a second", async () => {
  const ups = [echoUpstream("r1"), echoUpstream("r2")];
  const dir = tempDir();
  writeFile(dir, "admin.secret", "0123456789abcdef0123456789abcdef-test\n");
  const adminPort = closedPort();
  const admin = `http://127.0.0.1:${adminPort}`;
  const p = await startProxy(scaleConfig(ups.map((u) => u.url), adminPort), { dir });
  await p.waitFor("admin listening on");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const write = await token(dir, "write", "scale");
    const auth = { headers: { authorization: `Bearer ${write}` } };
    const statusBytes = (await (await fetch(admin + "/api/v1/status", auth)).arrayBuffer()).byteLength;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(admin + "/");
    await page.fill("input[name=token]", write);
    const loginAt = Date.now();
    await page.click("button[type=submit]");
    await page.waitForFunction(() => Number(document.getElementById("meta")?.dataset.refreshes ?? 0) >= 1, undefined, { timeout: 15_000 });
    const firstPaintMs = Date.now() - loginAt;

    // Every member of every pool, under its pool's heading.
    const listed = await page.evaluate(() => [...document.querySelectorAll("tr[data-member]")].map((tr) => `${tr.closest("[data-pool]")!.getAttribute("data-pool")}/${tr.getAttribute("data-member")}`));
    const expected = Array.from({ length: POOLS * MEMBERS }, (_, i) => `p${pad(Math.floor(i / MEMBERS))}/m${pad(i % MEMBERS)}`);
    expect(listed.sort()).toEqual(expected);

    // Several refreshes, with traffic between them so that rows really change: each one on
    // time, and the DOM and the (collected) JS heap no bigger after them than before.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const measure = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      const { metrics } = await cdp.send("Performance.getMetrics");
      const get = (name: string) => metrics.find((m) => m.name === name)!.value;
      return { nodes: get("Nodes"), heap: get("JSHeapUsedSize"), listeners: get("JSEventListeners") };
    };
    const wait = async (n: number) => page.waitForFunction((k) => Number(document.getElementById("meta")!.dataset.refreshes) >= k, n, { timeout: 5_000, polling: 20 });
    await wait((await refreshes(page)) + 1);
    const before = await measure();
    const gaps: number[] = [];
    const renders: number[] = [];
    for (let i = 0; i < 6; i++) {
      for (let k = 0; k < 4; k++) await (await fetch(p.url + "/p00/x")).text();
      const n = await refreshes(page);
      const from = Date.now();
      await wait(n + 1);
      gaps.push(Date.now() - from);
      renders.push(await page.evaluate(() => Number(document.getElementById("meta")!.dataset.renderMs)));
    }
    const after = await measure();
    // Traffic reached the page: p00's two real members show their requests.
    const served = await page.evaluate(() => [...document.querySelectorAll('[data-pool="p00"] tr[data-member] td.req')].slice(0, 2).map((td) => Number(td.textContent)));
    expect(served[0]! + served[1]!).toBeGreaterThanOrEqual(20);
    // Each redraw lands within the 1 s interval (plus slack for a busy 2-core machine).
    expect(Math.max(...gaps)).toBeLessThan(1_600);
    expect(after.nodes).toBeLessThanOrEqual(before.nodes * 1.02);
    expect(after.listeners).toBeLessThanOrEqual(before.listeners);
    expect(after.heap).toBeLessThan(before.heap * 1.5 + 2_000_000);

    // Drain one member deep in the page: the page and the API say so within a second.
    const row = page.locator('[data-pool="p37"] tr[data-member="m13"]');
    await row.scrollIntoViewIfNeeded();
    const started = Date.now();
    await row.locator('button[data-a="drain"]').click();
    await row.locator("td.state .drain").waitFor({ timeout: 1_000 });
    const drainMs = Date.now() - started;
    const api = (await (await fetch(admin + "/api/v1/pools/p37", auth)).json()) as { members: { route: string; state: string }[] };
    expect(api.members.find((m) => m.route === "m13")).toMatchObject({ state: "drain" });
    expect(drainMs).toBeLessThan(1_000);

    const figures = {
      members: POOLS * MEMBERS, statusJsonBytes: statusBytes, firstPaintMs, refreshGapsMs: gaps, redrawMs: renders,
      domNodes: after.nodes, domNodesBefore: before.nodes, jsHeapBytes: after.heap, jsHeapBytesBefore: before.heap,
      htmlBytes: await page.evaluate(() => document.documentElement.outerHTML.length), drainVisibleMs: drainMs,
    };
    console.log("status page at 1,000 members:", JSON.stringify(figures));
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(join(REPORTS, "admin-page-scale.json"), JSON.stringify(figures, null, 2) + "\n");
    await page.screenshot({ path: join(REPORTS, "admin-status-page-1000-members.png") });
  } finally {
    await browser.close();
    await p.stop();
    for (const u of ups) u.stop();
  }
}, 90_000);

/** Health state through the admin API of the compiled binary: the active checker's last probe per member. */
import { expect, test } from "bun:test";
import { REFUSED_URL, echoUpstream } from "./harness.ts";
import { adminProxy, token } from "./admin-harness.ts";

type Member = { route: string; health: { status: string; lastProbe: { at: string; ok: boolean; ms: number } | null } };

test("health.lastProbe: when the last active probe was sent, whether it passed, how long it took", async () => {
  const up = echoUpstream("n1");
  const dead = { url: REFUSED_URL };
  const started = Date.now();
  const ctx = await adminProxy([up, dead], { health: { active: { path: "/health", interval: "200ms", timeout: "1s", fall: 1, rise: 1 } } });
  try {
    const read = await token(ctx.dir, "read");
    const members = async () => ((await (await fetch(ctx.admin + "/api/v1/pools/app", { headers: { authorization: `Bearer ${read}` } })).json()) as { members: Member[] }).members;
    await ctx.p.waitFor(/member=http:\/\/127\.0\.0\.1:\d+ ejected: 1 failed health probes/);
    const [n1, n2] = await members();
    expect(n1!.health.lastProbe).toMatchObject({ ok: true });
    expect(n2!.health).toMatchObject({ status: "down", lastProbe: { ok: false } });
    for (const m of [n1!, n2!]) {
      const at = Date.parse(m.health.lastProbe!.at);
      expect(at).toBeGreaterThanOrEqual(started - 1);
      expect(at).toBeLessThanOrEqual(Date.now());
      expect(m.health.lastProbe!.ms).toBeGreaterThanOrEqual(0);
      expect(m.health.lastProbe!.ms).toBeLessThan(1000);
    }
    // Probes keep coming every interval: a later read shows a later probe.
    const first = n1!.health.lastProbe!.at;
    const deadline = Date.now() + 5000;
    let later = first;
    while (later === first && Date.now() < deadline) later = (await members())[0]!.health.lastProbe!.at;
    expect(Date.parse(later)).toBeGreaterThan(Date.parse(first));
    expect(up.seen.some((s) => s.url === "/health")).toBe(true);
  } finally { await ctx.p.stop(); up.stop(); }
});

test("health.lastProbe is null in a pool without active health checks", async () => {
  const up = echoUpstream("n1");
  const ctx = await adminProxy([up]);
  try {
    const read = await token(ctx.dir, "read");
    const pool = (await (await fetch(ctx.admin + "/api/v1/pools/app", { headers: { authorization: `Bearer ${read}` } })).json()) as { members: Member[] };
    expect(pool.members[0]!.health).toMatchObject({ status: "up", lastProbe: null });
  } finally { await ctx.p.stop(); up.stop(); }
});

test("/readyz answers 503 once SIGTERM has begun the drain, while an in-flight request still finishes", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const slowArrived = new Promise<void>((r) => (arrived = r));
  const up = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, async fetch() { arrived(); await gate; return new Response("finished"); } });
  const ctx = await adminProxy([{ url: `http://127.0.0.1:${up.port}` }], { config: { shutdownTimeout: "10s" } });
  try {
    expect((await fetch(ctx.admin + "/readyz")).status).toBe(200);
    const slow = fetch(ctx.p.url + "/slow");
    await slowArrived;
    ctx.p.proc.kill("SIGTERM");
    await ctx.p.waitFor("SIGTERM: stopping");
    const r = await fetch(ctx.admin + "/readyz");
    expect([r.status, await r.text()]).toEqual([503, "not ready"]);
    release();
    expect(await (await slow).text()).toBe("finished");
    expect(await ctx.p.proc.exited).toBe(0);
  } finally { ctx.p.proc.kill("SIGKILL"); up.stop(true); }
});

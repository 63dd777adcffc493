import { expect, test } from "bun:test";
import { earliestRenewal, RETRY_MS, scheduleRenewal } from "../../src/cli/renew.ts";
import type { TlsSetup } from "../../src/tls/listener-tls.ts";

const setup = (renewAt?: number) => new Map([[0, { renewAt: renewAt === undefined ? undefined : new Date(renewAt) } as TlsSetup]]);

/** A hand-driven clock and timer: run() fires the pending timer after moving the clock to it. */
function fakeTime(start: number) {
  let now = start;
  let pending: { fn: () => void; at: number } | undefined;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => ((pending = { fn, at: now + ms }), {}),
    clearTimer: () => (pending = undefined),
    pendingAt: () => pending?.at,
    run: async () => {
      const p = pending!;
      pending = undefined;
      now = p.at;
      p.fn();
      await new Promise((r) => setImmediate(r));
    },
  };
}

test("the earliest due internal certificate decides; listeners without internal ones do not count", () => {
  expect(earliestRenewal(new Map([[0, { renewAt: new Date(500) } as TlsSetup], [1, {} as TlsSetup], [2, { renewAt: new Date(300) } as TlsSetup]]))).toBe(300);
  expect(earliestRenewal(setup())).toBeUndefined();
});

test("renews when due, swaps the certificates in and arms for the next due date", async () => {
  const t = fakeTime(1_000);
  const applied: unknown[] = [];
  const lines: string[] = [];
  scheduleRenewal(setup(5_000), { ...t, load: async () => setup(90_000), apply: async (n) => void applied.push(n), events: (_l, m) => void lines.push(m) });
  expect(t.pendingAt()).toBe(5_000);
  await t.run();
  expect(applied).toHaveLength(1);
  expect(lines[0]).toContain("internal certificates renewed; next renewal 1970-01-01T00:01:30.000Z");
  expect(t.pendingAt()).toBe(90_000);
});

test("a failed renewal keeps the current certificates, is logged, and is tried again", async () => {
  const t = fakeTime(0);
  const lines: string[] = [];
  scheduleRenewal(setup(10), { ...t, load: async () => { throw new Error("disk full"); }, apply: async () => {}, events: (l, m) => void lines.push(`${l} ${m}`) });
  await t.run();
  expect(lines[0]).toContain("error internal certificate renewal failed: disk full; still serving the current certificates");
  expect(t.pendingAt()).toBe(10 + RETRY_MS);
});

test("a date beyond setTimeout's range is reached in steps; stop() cancels", async () => {
  const t = fakeTime(0);
  let loads = 0;
  const far = 40 * 86_400_000;
  const r = scheduleRenewal(setup(far), { ...t, load: async () => (loads++, setup()), apply: async () => {}, events: () => {} });
  expect(t.pendingAt()).toBe(2 ** 31 - 1);
  await t.run();
  expect(loads).toBe(0);
  expect(t.pendingAt()).toBe(far);
  r.stop();
  expect(t.pendingAt()).toBeUndefined();
});

import { expect, test } from "bun:test";
import { CONFIG_STDIN_ENV, GENERATION_ENV, isConfigApplied, RunningConfig } from "../../src/cli/worker-config.ts";

const applied = (text: string, generation: number) => ({ kind: "config-applied", text, generation });

test("a worker's report of a newer or equal generation becomes what the next worker starts from", async () => {
  const rc = new RunningConfig("{gen1}");
  rc.onMessage(applied("{gen2}", 2));
  const next = rc.spawnWith();
  expect(next.env).toEqual({ [CONFIG_STDIN_ENV]: "1", [GENERATION_ENV]: "2" });
  expect(await next.stdin.text()).toBe("{gen2}");
});

test("an older report than one already taken changes nothing", () => {
  const rc = new RunningConfig("{gen1}");
  rc.onMessage(applied("{gen3}", 3));
  rc.onMessage(applied("{gen2}", 2));
  expect([rc.text, rc.generation]).toEqual(["{gen3}", 3]);
});

test("other IPC messages are not reports", () => {
  const rc = new RunningConfig("{gen1}");
  for (const m of [{ kind: "worker-up" }, { kind: "config-applied", generation: 2 }, null, "x"]) {
    expect(isConfigApplied(m)).toBe(false);
    rc.onMessage(m);
  }
  expect(rc.generation).toBe(1);
});

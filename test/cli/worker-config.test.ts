import { expect, test } from "bun:test";
import { CONFIG_STDIN_ENV, GENERATION_ENV, isConfigApplied, RunningConfig } from "../../src/cli/worker-config.ts";

const applied = (text: string, generation: number) => ({ kind: "config-applied", text, generation });

test("a worker's report of a newer or equal generation becomes what the next worker starts from", async () => {
  const rc = new RunningConfig("{gen1}");
  expect(rc.onMessage(applied("{gen2}", 2))).toBeUndefined();
  const next = rc.spawnWith();
  expect(next.env).toEqual({ [CONFIG_STDIN_ENV]: "1", [GENERATION_ENV]: "2" });
  expect(await next.stdin.text()).toBe("{gen2}");
});

test("a worker that applied an older generation than a sibling reported is behind (the supervisor sends it a HUP)", () => {
  const rc = new RunningConfig("{gen1}");
  rc.onMessage(applied("{gen3}", 3));
  expect(rc.onMessage(applied("{gen2}", 2))).toBe("behind");
  expect([rc.text, rc.generation]).toEqual(["{gen3}", 3]);
});

test("other IPC messages are not reports", () => {
  const rc = new RunningConfig("{gen1}");
  for (const m of [{ kind: "worker-up" }, { kind: "config-applied", generation: 2 }, null, "x"]) {
    expect(isConfigApplied(m)).toBe(false);
    expect(rc.onMessage(m)).toBeUndefined();
  }
  expect(rc.generation).toBe(1);
});

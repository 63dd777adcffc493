import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../src/config/schema.ts";
import { registryFor } from "../../src/cli/runtime-state.ts";
import { makeTempDir } from "../temp-dirs.ts";

test("a member's override is kept in <dataDir>/runtime-state.json, dataDir taken from routes.json's directory", () => {
  const dir = makeTempDir("runtime-state-");
  const registry = registryFor({ dataDir: "./state" } as Config, join(dir, "routes.json"), () => {});
  const m = registry.member("web", { url: "http://127.0.0.1:9001", weight: 1, route: "a", standby: false, state: "active" });
  registry.change("web", m, { state: "drain" }, "test");
  expect(existsSync(join(dir, "state", "runtime-state.json"))).toBe(true);
  const again = registryFor({ dataDir: "./state" } as Config, join(dir, "routes.json"), () => {});
  expect(again.member("web", { url: "http://127.0.0.1:9001", weight: 1, route: "a", standby: false, state: "active" }).state).toBe("drain");
});

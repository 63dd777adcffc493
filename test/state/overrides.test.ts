import { expect, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { fileStore } from "../../src/state/overrides.ts";
import { makeTempDir } from "../temp-dirs.ts";

test("the runtime-state file: missing is empty, saved is read back, broken is a clear error", () => {
  const dir = makeTempDir("edge-state-");
  const store = fileStore(join(dir, "data", "runtime-state.json"));
  expect(store.load()).toEqual({});
  store.save({ app: { "http://a/": { state: { value: "drain", config: "active" } } } });
  expect(store.load()).toEqual({ app: { "http://a/": { state: { value: "drain", config: "active" } } } });
  writeFileSync(join(dir, "data", "runtime-state.json"), "{");
  expect(() => store.load()).toThrow("runtime state is not JSON");
});

/**
 * Runtime member overrides (state, weight) kept in <dataDir>/runtime-state.json, so a drain
 * survives a restart. Each override remembers the routes.json value it was made against: when
 * routes.json later says something else for that field, the file edit wins (registry.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { MemberState } from "../balancer/member.ts";

export interface Override<T> { value: T; config: T }
export interface MemberOverride { state?: Override<MemberState> | undefined; weight?: Override<number> | undefined }

/** Keyed by pool name, then member URL (href). */
export type OverrideMap = Record<string, Record<string, MemberOverride>>;

export interface OverrideStore {
  load(): OverrideMap;
  save(map: OverrideMap): void;
}

/** A store over one JSON file; a missing file is no overrides, an unreadable one is an error. */
export function fileStore(path: string): OverrideStore {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
        throw new Error(`${path}: cannot read runtime state: ${(e as Error).message}`);
      }
      try {
        const doc = JSON.parse(text) as { overrides?: OverrideMap };
        return typeof doc.overrides === "object" && doc.overrides !== null ? doc.overrides : {};
      } catch (e) {
        throw new Error(`${path}: runtime state is not JSON (${(e as Error).message}); fix or delete the file`);
      }
    },
    save(map) {
      mkdirSync(dirname(path), { recursive: true });
      // Written beside and renamed: a crash mid-write never leaves half a file. The name is the
      // process's own: --workers workers all save the same change at the same moment.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, overrides: map }, null, 2) + "\n");
      renameSync(tmp, path);
    },
  };
}

/** For `proxy check` and tests: nothing is read or written. */
export function memoryStore(initial: OverrideMap = {}): OverrideStore & { saved: OverrideMap } {
  const store = {
    saved: initial,
    load: () => structuredClone(store.saved),
    save: (m: OverrideMap) => void (store.saved = structuredClone(m)),
  };
  return store;
}

/**
 * Temporary directories for tests, removed once the whole run is over (test/cleanup.ts, preloaded
 * by bunfig.toml): a module imported by many test files is evaluated once, so per-file hooks
 * registered from it would only cover the first file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

// Test helper: run the real openssl CLI so our output is judged by an independent implementation.
import { makeTempDir } from "../temp-dirs.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function tempDir(): string {
  return makeTempDir("proxy-cert-");
}

export function openssl(dir: string, ...args: string[]): { code: number; out: string } {
  const p = Bun.spawnSync(["openssl", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode ?? -1, out: p.stdout.toString() + p.stderr.toString() };
}

/** Runs openssl and fails loudly (with its output) when it exits non-zero. */
export function opensslOk(dir: string, ...args: string[]): string {
  const r = openssl(dir, ...args);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${r.out}`);
  return r.out;
}

export const read = (dir: string, f: string): string => readFileSync(join(dir, f), "utf8");
export const write = (dir: string, f: string, s: string): void => writeFileSync(join(dir, f), s);

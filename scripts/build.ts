/**
 * `npm run build`: compile dist/proxy, a single executable that needs nothing beside it.
 * --production inlines NODE_ENV=production; the autoload flags stop a .env or bunfig.toml in
 * the operator's working directory from changing the binary's behaviour (see `bun build --help`).
 * --splitting makes each `await import()` a chunk of its own inside the binary: without it the
 * code only a subcommand or an internal CA needs (@peculiar/x509 alone ~3.5 MB) is parsed at
 * every start and stays in a serving proxy's RSS, even though it never runs.
 * --compile-jit-policy=20 keeps the run-once start-up code (config parsing, valibot's schema
 * constructors) in the interpreter: JSC's DFG compiled it at every start, 2.3 MB of idle RSS
 * (51.7 -> 49.5 MB, four runs each); cli/serve.ts puts the normal policy back once listening.
 * Skips the compile when dist/proxy is newer than every source file and docs/ (embedded by
 * `proxy schema`; npm test builds first).
 */
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The compile command. `counting` is folded in at build time (src/metrics/record.ts COUNTING):
 * "on" for every shipped binary, "off" only for the metrics A/B bench's comparison binary.
 */
export function compileCommand(out: string, counting: "on" | "off" = "on"): string[] {
  return [process.execPath, "build", "--compile", "--splitting", "--production", "--compile-jit-policy=20", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    "--define", `process.env.EDGE_PROXY_COUNTING=${JSON.stringify(counting)}`, "src/main.ts", "--outfile", out];
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (import.meta.main) {
  const out = "dist/proxy";
  const force = process.argv.includes("--force");
  if (!force && existsSync(out) && statSync(out).mtimeMs > Math.max(newest("src"), newest("docs"), statSync("package.json").mtimeMs)) {
    console.log(`${out} is up to date`);
    process.exit(0);
  }
  const proc = Bun.spawnSync(compileCommand(out), { stdout: "inherit", stderr: "inherit" });
  if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
  console.log(`built ${out}`);
}

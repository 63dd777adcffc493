/**
 * `npm run build`: compile dist/proxy, a single executable that needs nothing beside it.
 * --production inlines NODE_ENV=production; the autoload flags stop a .env or bunfig.toml in
 * the operator's working directory from changing the binary's behaviour (see `bun build --help`).
 * Skips the compile when dist/proxy is newer than every source file and docs/ (embedded by
 * `proxy schema`; npm test builds first).
 */
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

const out = "dist/proxy";
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const force = process.argv.includes("--force");
if (!force && existsSync(out) && statSync(out).mtimeMs > Math.max(newest("src"), newest("docs"), statSync("package.json").mtimeMs)) {
  console.log(`${out} is up to date`);
  process.exit(0);
}
const proc = Bun.spawnSync([process.execPath, "build", "--compile", "--production", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "src/main.ts", "--outfile", out], { stdout: "inherit", stderr: "inherit" });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log(`built ${out}`);

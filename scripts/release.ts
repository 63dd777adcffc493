/**
 * `npm run release`: edge-proxy-<version>-<target> for linux x64/arm64, glibc and musl, built
 * from the npm-packaged Bun runtimes (@oven/bun-linux-*) at the version package.json pins,
 * fetched once into a cache with `npm pack` (later runs are offline), then SHA256SUMS.
 * Each binary is checked: run `--version` where it can run (arm64 through qemu-user when
 * Debian's qemu-user is installed), else its ELF header.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, statSync } from "node:fs";
import { arch, homedir } from "node:os";
import { join } from "node:path";
import { TARGETS, checkElf, runnableHere, sha256sums, type Target } from "./release/targets.ts";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const version: string = pkg.version;
const bunVersion: string = pkg.devDependencies.bun;
const cache = process.env.EDGE_RELEASE_CACHE ?? join(homedir(), ".cache", "edge-proxy", `bun-${bunVersion}`);
const out = "dist/release";
mkdirSync(cache, { recursive: true });
mkdirSync(out, { recursive: true });

function run(cmd: string[], cwd?: string): string {
  const p = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${p.exitCode}): ${p.stderr.toString()}`);
  return p.stdout.toString();
}

/** The runtime executable of one @oven package, from the cache or fetched into it. */
function runtime(t: Target): string {
  const dir = join(cache, t.pkg.replace("/", "__"));
  const bin = join(dir, "package", "bin", "bun");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tgz = run(["npm", "pack", "--silent", `${t.pkg}@${bunVersion}`], dir).trim().split("\n").at(-1)!;
  run(["tar", "-xzf", tgz], dir);
  chmodSync(bin, 0o755);
  return bin;
}

const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const hostArch = arch() === "x64" ? "x64" : arch() === "arm64" ? "arm64" : arch();
const muslLoader = existsSync(`/lib/ld-musl-${hostArch === "x64" ? "x86_64" : "aarch64"}.so.1`);

function check(t: Target, file: string): string {
  const elf = checkElf(new Uint8Array(readFileSync(file).subarray(0, 64)), t.arch);
  if (elf) throw new Error(`${file}: ${elf}`);
  const how = runnableHere(t, hostArch, muslLoader);
  const qemu = t.arch === "arm64" ? "qemu-aarch64" : "qemu-x86_64";
  if (how === "elf" || (how === "qemu" && !has(qemu))) return "ELF header ok (cannot run here)";
  // qemu-user needs the target's dynamic loader: multiarch (/lib) or Debian's cross sysroot.
  const sysroot = ["/", "/usr/aarch64-linux-gnu"].find((r) => existsSync(join(r, "lib/ld-linux-aarch64.so.1")));
  if (how === "qemu" && !sysroot) return "ELF header ok (qemu-user found no arm64 glibc: apt-get install libc6-arm64-cross)";
  const said = run(how === "qemu" ? [qemu, "-L", sysroot!, file, "--version"] : [file, "--version"]).trim();
  if (said !== `edge-proxy ${version}`) throw new Error(`${file} --version said ${JSON.stringify(said)}`);
  return `${how === "qemu" ? "qemu " : ""}--version ok`;
}

const only = process.argv.slice(2);
const sums: { name: string; sha256: string }[] = [];
for (const t of TARGETS.filter((t) => only.length === 0 || only.includes(t.name))) {
  const name = `edge-proxy-${version}-${t.name}`;
  const file = join(out, name);
  run([process.execPath, "build", "--compile", "--splitting", "--production", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    `--target=${t.bunTarget}`, `--compile-executable-path=${runtime(t)}`, "--define", 'process.env.EDGE_PROXY_COUNTING="on"', "src/main.ts", "--outfile", file]);
  const verdict = check(t, file);
  const sha256 = new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");
  sums.push({ name, sha256 });
  console.log(`${name}  ${(statSync(file).size / 1e6).toFixed(1)} MB  ${sha256}  ${verdict}`);
}
writeFileSync(join(out, "SHA256SUMS"), sha256sums(sums));
console.log(`wrote ${join(out, "SHA256SUMS")}`);

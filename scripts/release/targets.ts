/** The release matrix and the checks run on each binary (scripts/release.ts). */
export interface Target { name: string; bunTarget: string; pkg: string; arch: "x64" | "arm64" }

export const TARGETS: Target[] = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", pkg: "@oven/bun-linux-x64", arch: "x64" },
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", pkg: "@oven/bun-linux-x64-musl", arch: "x64" },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", pkg: "@oven/bun-linux-aarch64", arch: "arm64" },
  { name: "linux-arm64-musl", bunTarget: "bun-linux-arm64-musl", pkg: "@oven/bun-linux-aarch64-musl", arch: "arm64" },
];

const EM_X86_64 = 62, EM_AARCH64 = 183;

/** Reads an ELF header: 64-bit little-endian executable for the expected machine, else why not. */
export function checkElf(bytes: Uint8Array, arch: Target["arch"]): string | undefined {
  if (bytes.length < 20 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return "not an ELF file";
  if (bytes[4] !== 2) return "not a 64-bit ELF file";
  if (bytes[5] !== 1) return "not little-endian";
  const machine = bytes[18]! | (bytes[19]! << 8);
  const want = arch === "x64" ? EM_X86_64 : EM_AARCH64;
  return machine === want ? undefined : `ELF machine ${machine}, expected ${want} (${arch})`;
}

/** `sha256  name` lines, as sha256sum writes and `sha256sum -c` reads. */
export function sha256sums(files: { name: string; sha256: string }[]): string {
  return files.map((f) => `${f.sha256}  ${f.name}\n`).join("");
}

/** The musl runtime needs a musl loader; under qemu-user it also needs the sysroot. */
export function runnableHere(t: Target, hostArch: string, hasMuslLoader: boolean): "native" | "qemu" | "elf" {
  const musl = t.name.endsWith("-musl");
  if (t.arch === hostArch) return musl && !hasMuslLoader ? "elf" : "native";
  return musl ? "elf" : "qemu";
}

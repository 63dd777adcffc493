import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { TARGETS, checkElf, runnableHere, sha256sums } from "../../../scripts/release/targets.ts";

const elf = (machine: number) => {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
  b[18] = machine & 0xff;
  b[19] = machine >> 8;
  return b;
};

describe("release checks", () => {
  test("the ELF header check tells x64 from arm64 and refuses what is not ELF", () => {
    expect(checkElf(elf(62), "x64")).toBeUndefined();
    expect(checkElf(elf(183), "arm64")).toBeUndefined();
    expect(checkElf(elf(62), "arm64")).toContain("expected 183");
    expect(checkElf(new TextEncoder().encode("#!/bin/sh\n" + " ".repeat(30)), "x64")).toBe("not an ELF file");
  });

  test("the running proxy binary passes the check for this machine", () => {
    const head = new Uint8Array(readFileSync(process.execPath).subarray(0, 64));
    expect(checkElf(head, process.arch === "arm64" ? "arm64" : "x64")).toBeUndefined();
  });

  test("four targets: glibc and musl for x64 and arm64, from @oven runtime packages", () => {
    expect(TARGETS.map((t) => t.name)).toEqual(["linux-x64", "linux-x64-musl", "linux-arm64", "linux-arm64-musl"]);
    for (const t of TARGETS) expect(t.pkg).toStartWith("@oven/bun-linux-");
  });

  test("what can run here: native, under qemu-user, or only the header", () => {
    const [x64, x64musl, arm64, arm64musl] = TARGETS;
    expect(runnableHere(x64!, "x64", false)).toBe("native");
    expect(runnableHere(x64musl!, "x64", false)).toBe("elf");
    expect(runnableHere(x64musl!, "x64", true)).toBe("native");
    expect(runnableHere(arm64!, "x64", false)).toBe("qemu");
    expect(runnableHere(arm64musl!, "x64", true)).toBe("elf");
  });

  test("SHA256SUMS lines are what sha256sum -c reads", () => {
    expect(sha256sums([{ name: "a", sha256: "00ff" }])).toBe("00ff  a\n");
  });
});

/** Giving start-up pages back (startup-pages.ts): only the executable's read-only mappings, and the process runs on. */
import { expect, test } from "bun:test";
import { readFileSync, readlinkSync, statSync } from "node:fs";
import { readOnlyRanges, releaseStartupPages } from "../../src/cli/startup-pages.ts";

const MAPS = [
  "00200000-01a39000 r--p 00000000 fe:00 5308945                            /opt/edge proxy/proxy",
  "01a40000-0684a000 r-xp 01838000 fe:00 5308945                            /opt/edge proxy/proxy",
  "0684a000-0685f000 rw-p 06641000 fe:00 5308945                            /opt/edge proxy/proxy",
  "06867000-06ac1000 rw-p 0665e000 fe:00 5308945                            /opt/edge proxy/proxy",
  "7f5b85d69000-7f5b85d8f000 r-xp 00028000 fe:00 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6",
  "7f5b86000000-7f5b86100000 rw-p 00000000 00:00 0 ",
  "7ffd1c3f0000-7ffd1c412000 rw-p 00000000 00:00 0                          [stack]",
  "07000000-07001000 ---p 06656000 fe:00 5308945                            /opt/edge proxy/proxy",
  "08000000-08100000 r-xp 00000000 fe:00 5308945                            /srv/edge/proxy (deleted)",
  "garbage line",
  "",
].join("\n");

test("the executable's readable, unwritable mappings are chosen by inode whatever its path says, or by path; writable and inaccessible ones, other files and anonymous memory are not", () => {
  expect(readOnlyRanges(MAPS, { ino: 5308945, path: "/elsewhere" })).toEqual([
    { start: 0x200000, length: 0x1a39000 - 0x200000 },
    { start: 0x1a40000, length: 0x684a000 - 0x1a40000 },
    { start: 0x8000000, length: 0x100000 },
  ]);
  expect(readOnlyRanges(MAPS, { ino: 1, path: "/opt/edge" })).toEqual([]);
  // overlayfs may show another inode number: the path still names it
  expect(readOnlyRanges(MAPS, { ino: 1, path: "/opt/edge proxy/proxy" })).toEqual([
    { start: 0x200000, length: 0x1a39000 - 0x200000 },
    { start: 0x1a40000, length: 0x684a000 - 0x1a40000 },
  ]);
});

test("on Linux the running executable's pages go, and the process goes on running code from them", async () => {
  if (process.platform !== "linux") return;
  expect(readOnlyRanges(readFileSync("/proc/self/maps", "utf8"), { ino: statSync("/proc/self/exe").ino, path: readlinkSync("/proc/self/exe") }).length).toBeGreaterThan(0);
  const released = await releaseStartupPages();
  expect(released).toBeGreaterThanOrEqual(0);
  expect(JSON.parse(JSON.stringify({ after: [1, 2, 3] }))).toEqual({ after: [1, 2, 3] });
});

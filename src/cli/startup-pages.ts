/**
 * Gives the kernel back the executable's pages that only start-up read. The one binary holds
 * Bun, JavaScriptCore and our bundle; loading a config runs the JS parser, the bytecode
 * compiler, valibot's schema construction and certificate parsing, which fault in ~30 MB of
 * the file. Linux's MADV_PAGEOUT (5.4+) reclaims them as memory pressure would; a page needed
 * later is read back at its first use, from the page cache or the disk, like any file page the
 * kernel evicted. Measured with a plain and a TLS listener (review of 2026-12-07): RSS 49 -> 21 MB
 * after the release, 42 MB (55 without it) after the first plain, TLS and admin requests, 54 MB
 * (64) after 10 s of load; the first request after the release took 10 ms instead of 4 ms, 60 ms
 * with the binary's pages out of the page cache.
 * Only the executable's mappings that are readable and not writable (its code and read-only
 * data): its written pages (relocated data) are anonymous memory, which without swap stays. The
 * kernel reclaims only pages no other process maps, so in a --workers group, where every process
 * runs the one binary, little goes (49 MB per worker either way; those pages are in memory once,
 * however many RSS figures count them). Off Linux, or when libc cannot be opened, nothing happens.
 */
import { readFileSync, readlinkSync, statSync } from "node:fs";
import type { EventLog } from "../log/events.ts";

/** How long after listening: past start-up's tail (first probes sent, JWKS fetches begun). */
const AFTER_START_MS = 1000;

/** madvise(2) advice: reclaim the pages (linux/mman.h). */
const MADV_PAGEOUT = 21;

export interface PageRange { start: number; length: number }

/** A /proc/self/maps line: "start-end perms offset dev inode [path]" (proc(5)). */
const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+) *(.*)$/;

/**
 * The mappings of the executable that are readable and not writable: by inode, which holds
 * whatever characters the path has and after a deploy that replaced the binary (the path then
 * reads "... (deleted)"), or by path, where the two inode numbers differ (overlayfs may show
 * the lower layer's).
 */
export function readOnlyRanges(maps: string, exe: { ino: number; path: string }): PageRange[] {
  const out: PageRange[] = [];
  for (const line of maps.split("\n")) {
    const m = MAPS_LINE.exec(line);
    if (!m || (Number(m[4]) !== exe.ino && m[5] !== exe.path) || m[3]![0] !== "r" || m[3]![1] !== "-") continue;
    const start = parseInt(m[1]!, 16), end = parseInt(m[2]!, 16);
    if (end > start) out.push({ start, length: end - start });
  }
  return out;
}

/** The running executable, as readOnlyRanges matches it. */
function executable(): { ino: number; path: string } {
  return { ino: statSync("/proc/self/exe").ino, path: readlinkSync("/proc/self/exe") };
}

/** The process's resident file-backed memory in bytes (RssFile, proc(5)). */
function residentFileBytes(): number {
  return Number(/RssFile:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;
}

/** Bytes of the executable's resident memory that went; 0 off Linux or when madvise is not reachable. */
export async function releaseStartupPages(): Promise<number> {
  if (process.platform !== "linux") return 0;
  try {
    const { dlopen, FFIType } = await import("bun:ffi");
    const libc = dlopen("libc.so.6", { madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 } });
    try {
      const before = residentFileBytes();
      for (const r of readOnlyRanges(readFileSync("/proc/self/maps", "utf8"), executable())) {
        libc.symbols.madvise(r.start, r.length, MADV_PAGEOUT); // EINVAL before Linux 5.4: nothing happens
      }
      return Math.max(0, before - residentFileBytes());
    } finally {
      libc.close();
    }
  } catch {
    return 0;
  }
}

/** Once start-up is over, its pages go; how much went is logged at debug. */
export function releaseAfterStart(events: EventLog): void {
  setTimeout(() => void releaseStartupPages().then((n) => {
    events("debug", `start-up over: ${(n / 1048576).toFixed(1)} MB of the executable's pages given back to the kernel (MADV_PAGEOUT)`);
  }), AFTER_START_MS).unref();
}

/**
 * Gives the kernel back the executable's pages that only start-up read. The one binary holds
 * Bun, JavaScriptCore and our bundle; loading a config runs the JS parser, the bytecode
 * compiler, valibot's schema construction and certificate parsing, which fault in ~30 MB of
 * the file that serving does not touch again (measured with a plain and a TLS listener: RSS
 * 50 -> 20 MB once a request of each kind was served; 64 -> 53 MB idle after load, when the JIT's
 * own pages are back). Linux's MADV_PAGEOUT (5.4+) reclaims them as memory
 * pressure would; a page needed later is read back at its first use, like any file page the
 * kernel evicted. Only the executable's read-only mappings: its written pages (relocated data)
 * are anonymous memory and stay. The kernel reclaims only pages no other process maps, so in a
 * --workers group, where every process runs the one binary, little goes (measured: 49 MB per
 * worker either way); those pages are in memory once, however many RSS figures count them.
 * Off Linux, or when libc cannot be opened, nothing happens.
 */
import { readFileSync, realpathSync } from "node:fs";
import type { EventLog } from "../log/events.ts";

/** How long after listening: past start-up's tail (first probes sent, JWKS fetches begun). */
const AFTER_START_MS = 1000;

/** madvise(2) advice: reclaim the pages (linux/mman.h). */
const MADV_PAGEOUT = 21;

export interface PageRange { start: number; length: number }

/** The read-only mappings of `exe` in /proc/self/maps text: "start-end perms offset dev inode path". */
export function readOnlyRanges(maps: string, exe: string): PageRange[] {
  const out: PageRange[] = [];
  for (const line of maps.split("\n")) {
    const f = line.split(/\s+/);
    if (f.length < 6 || f.slice(5).join(" ") !== exe || f[1]![1] !== "-") continue;
    const [a, b] = f[0]!.split("-").map((h) => parseInt(h, 16));
    if (a === undefined || b === undefined || !(b > a)) continue;
    out.push({ start: a, length: b - a });
  }
  return out;
}

/** Bytes advised; 0 when not on Linux or when madvise is not reachable. */
export async function releaseStartupPages(): Promise<number> {
  if (process.platform !== "linux") return 0;
  try {
    const { dlopen, FFIType } = await import("bun:ffi");
    const libc = dlopen("libc.so.6", { madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 } });
    let advised = 0;
    for (const r of readOnlyRanges(readFileSync("/proc/self/maps", "utf8"), realpathSync("/proc/self/exe"))) {
      if (libc.symbols.madvise(r.start, r.length, MADV_PAGEOUT) === 0) advised += r.length;
    }
    libc.close();
    return advised;
  } catch {
    return 0;
  }
}

/** Once start-up is over, its pages go; how much is logged at debug. */
export function releaseAfterStart(events: EventLog): void {
  setTimeout(() => void releaseStartupPages().then((n) => {
    if (n > 0) events("debug", `start-up over: ${(n / 1048576).toFixed(1)} MB of the executable's read-only pages given back to the kernel (MADV_PAGEOUT)`);
  }), AFTER_START_MS).unref();
}

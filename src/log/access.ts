/**
 * The access log: one line per request, Apache's `combined` format (with route, pool, member
 * and duration appended, as NGINX users append $upstream_addr $request_time) or JSON.
 * Lines are batched (fileSink): at most one write per 100 ms or 16 KB, not one per request.
 */
import { closeSync, openSync } from "node:fs";

export interface AccessEntry {
  clientIp: string;
  method: string;
  target: string;          // path + query as received
  protocol: string;        // "HTTP/1.1"
  status: number;
  bytes: number;           // response body bytes sent
  referer: string | null;
  userAgent: string | null;
  host: string;
  route: string;
  pool: string;
  member: string;
  durationMs: number;
}

export type AccessLog = (e: AccessEntry) => void;
export interface Sink {
  write(s: string): void;
  flush(): void | Promise<unknown>;
  /** Closes and reopens the file by its path (after logrotate's `mv`); "-" stays stdout. */
  reopen?(): void;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
let cachedSecond = -1;
let cachedStamp = "";

/** `[10/Oct/2000:13:55:36 +0000]` (Apache %t), recomputed at most once a second. */
export function clfTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== cachedSecond) {
    const d = new Date(sec * 1000);
    const p = (n: number) => String(n).padStart(2, "0");
    cachedStamp = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
    cachedSecond = sec;
  }
  return cachedStamp;
}

/** As Apache's mod_log_config: `"` and `\` get a backslash, other non-printables become \xhh. */
function q(s: string | null): string {
  if (s === null || s === "") return "-";
  return /["\\\x00-\x1f\x7f]/.test(s) ? s.replace(/["\\\x00-\x1f\x7f]/g, escapeChar) : s;
}

function escapeChar(c: string): string {
  if (c === '"' || c === "\\") return "\\" + c;
  return "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0");
}

export function formatCombined(e: AccessEntry, now: number): string {
  const bytes = e.bytes > 0 ? String(e.bytes) : "-";
  return `${e.clientIp} - - [${clfTime(now)}] "${q(e.method)} ${q(e.target)} ${e.protocol}" ${e.status} ${bytes} "${q(e.referer)}" "${q(e.userAgent)}" route="${q(e.route)}" pool=${e.pool || "-"} member=${e.member || "-"} dur=${(e.durationMs / 1000).toFixed(3)}\n`;
}

export function formatJson(e: AccessEntry, now: number): string {
  return JSON.stringify({ time: new Date(now).toISOString(), ...e, durationMs: Math.round(e.durationMs * 1000) / 1000 }) + "\n";
}

export function createAccessLog(format: "combined" | "json", sink: Sink, wallClock: () => number = Date.now): AccessLog {
  const fmt = format === "json" ? formatJson : formatCombined;
  return (e) => sink.write(fmt(e, wallClock()));
}

/** What fileSink needs of Bun's FileSink (injectable for tests). */
export interface Writer {
  write(s: string): unknown;
  flush(): number | Promise<number>;
  /** Writes out what the writer holds and closes the file (the old file, after a reopen). */
  end?(): unknown;
}

function openWriter(path: string): Writer {
  // Opened for append, like Apache and NGINX logs: a restart never truncates history.
  if (path === "-") return Bun.stdout.writer();
  const fd = openSync(path, "a");
  const w = Bun.file(fd).writer();
  return {
    write: (s) => w.write(s),
    flush: () => w.flush(),
    end: () => Promise.resolve(w.end()).finally(() => closeSync(fd)),
  };
}

/**
 * A sink over a file path or "-" (stdout). Lines collect in memory and go out in one write
 * per 100 ms or per 16 KB (as NGINX's `access_log ... buffer=16k flush=100ms`), and at exit:
 * Bun's writer otherwise makes one write(2) per line, a measurable share of a small request.
 */
export function fileSink(path: string, flushMs = 100, open: (path: string) => Writer = openWriter): Sink {
  let writer = open(path);
  let pending = "";
  // The promise, when there is one, settles once the writer's own buffer is out too (a pipe
  // may take it in parts): awaited at shutdown even when nothing new is pending.
  const flush = (): Promise<unknown> | undefined => {
    if (pending !== "") void writer.write(pending);
    pending = "";
    const done = writer.flush();
    return typeof done === "number" ? undefined : done;
  };
  const timer = setInterval(() => void (pending !== "" && flush()), flushMs);
  timer.unref?.();
  process.on("exit", () => void flush());
  return {
    write: (s) => {
      pending += s;
      if (pending.length >= 16384) void flush();
    },
    flush,
    // As NGINX's USR1: lines pending so far go to the old file, the next ones to a new file at
    // `path`. If the new file cannot be opened the old one is kept and the caller logs why.
    reopen: () => {
      if (path === "-") return;
      flush();
      const next = open(path);
      const old = writer;
      writer = next;
      void old.end?.();
    },
  };
}

/**
 * The proxy's own log (start, stop, reloads, warnings, ejections, recoveries) on stderr, one
 * line each: text `<ISO time> <level> <msg>`, or with eventLog.format "json" one JSON object a
 * line (`time`, `level`, `msg`) for log shippers. Lines below eventLog.level are dropped.
 * Under --workers every worker writes to the same stderr, and each passive-health ejection is a
 * worker's own: a worker's lines say which one (`worker 2: ...`, json `"worker": 2`).
 */
export type EventLevel = "debug" | "info" | "warn" | "error";
export type EventLog = (level: EventLevel, msg: string) => void;
export interface EventLogSettings { format: "text" | "json"; level: EventLevel; worker?: number | undefined }

const RANK: Record<EventLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
export const DEFAULT_EVENT_LOG: EventLogSettings = { format: "text", level: "info" };

let settings: EventLogSettings = DEFAULT_EVENT_LOG;

/** Set once routes.json's eventLog is known (before the first line when it can be read). */
export function configureEvents(next: Partial<EventLogSettings> | undefined): void {
  settings = { format: next?.format ?? DEFAULT_EVENT_LOG.format, level: next?.level ?? DEFAULT_EVENT_LOG.level, worker: next && "worker" in next ? next.worker : settings.worker };
}

export function eventSettings(): EventLogSettings {
  return settings;
}

export function formatEvent(now: Date, level: EventLevel, msg: string, format: EventLogSettings["format"], worker?: number): string {
  if (format === "json") return JSON.stringify(worker === undefined ? { time: now.toISOString(), level, msg } : { time: now.toISOString(), level, msg, worker }) + "\n";
  return `${now.toISOString()} ${level} ${worker === undefined ? "" : `worker ${worker}: `}${textSafe(msg)}\n`;
}

/**
 * A message may quote what a member or client sent (a bad status line): its control bytes are
 * shown as \xhh, as Apache's ap_escape_logitem does, and each later line of a message is
 * indented, as our own multi-line messages are, so nothing in one can pass for a line of its own.
 */
function textSafe(msg: string): string {
  if (!/[\x00-\x08\x0a-\x1f\x7f]/.test(msg)) return msg;
  return msg
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
    .replace(/\n(?! {2})/g, "\n  ");
}

/** A log that writes through `write` with the settings in force when each line is logged. */
export function createEvents(write: (line: string) => void, clock: () => Date = () => new Date()): EventLog {
  return (level, msg) => {
    if (RANK[level] < RANK[settings.level]) return;
    write(formatEvent(clock(), level, msg, settings.format, settings.worker));
  };
}

export const stderrEvents: EventLog = createEvents((line) => process.stderr.write(line));

export const silentEvents: EventLog = () => {};

/** Operational log lines (start, warnings, upstream errors, state changes) on stderr, one line each. */
export type EventLog = (level: "info" | "warn" | "error", msg: string) => void;

export const stderrEvents: EventLog = (level, msg) => {
  process.stderr.write(`${new Date().toISOString()} ${level} ${msg}\n`);
};

export const silentEvents: EventLog = () => {};

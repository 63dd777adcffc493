import { expect, test } from "bun:test";
import { installOperatorSignals } from "../../src/cli/signals.ts";

test("USR1 reopens the logs and says so; other operator signals are logged and ignored", () => {
  const log: string[] = [];
  let reopened = 0;
  const off = installOperatorSignals((level, msg) => log.push(`${level} ${msg}`), () => reopened++);
  try {
    process.emit("SIGUSR1");
    expect(reopened).toBe(1);
    expect(log).toEqual(["info SIGUSR1: log files reopened"]);
    process.emit("SIGUSR2");
    expect(log[1]).toStartWith("warn SIGUSR2: ignored;");
    process.emit("SIGPIPE");
    process.emit("SIGPIPE");
    expect(log.filter((l) => l.includes("SIGPIPE"))).toHaveLength(1);
  } finally { off(); }
});

test("a reopen that fails keeps serving and logs why", () => {
  const log: string[] = [];
  const off = installOperatorSignals((level, msg) => log.push(`${level} ${msg}`), () => { throw new Error("EACCES: permission denied"); });
  try {
    process.emit("SIGUSR1");
    expect(log[0]).toContain("error SIGUSR1: cannot reopen the log files (EACCES: permission denied)");
  } finally { off(); }
});

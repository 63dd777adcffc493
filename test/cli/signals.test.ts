import { afterEach, expect, test } from "bun:test";
import { watchOperatorSignals } from "../../src/cli/signals.ts";

const added: string[] = [];
afterEach(() => { for (const s of added.splice(0)) process.removeAllListeners(s); });

test("USR1 reopens the log and says so; a failed reopen is logged and the old file kept", () => {
  const lines: string[] = [];
  let reopened = 0;
  let fail = false;
  watchOperatorSignals({ reopenLog: () => { if (fail) throw new Error("EACCES"); reopened++; } }, (l, m) => void lines.push(`${l} ${m}`));
  added.push("SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGPIPE");
  process.emit("SIGUSR1" as never);
  expect(reopened).toBe(1);
  expect(lines).toEqual(["info SIGUSR1: log files reopened"]);
  fail = true;
  process.emit("SIGUSR1" as never);
  expect(lines[1]).toBe("error SIGUSR1: cannot reopen the access log: EACCES; still writing to the old file");
  process.emit("SIGUSR2" as never);
  expect(lines[2]).toStartWith("warn SIGUSR2: ignored");
});

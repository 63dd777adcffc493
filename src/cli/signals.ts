/**
 * Operator signals besides HUP/TERM/INT (NGINX's set): USR1 reopens log files, as after
 * logrotate's `mv`. Any other catchable signal an operator or init script may send (USR2,
 * WINCH, TTIN, TTOU, ALRM) would otherwise kill the process with its default action and lose
 * the pending access-log lines; it is logged and ignored. SIGPIPE is ignored too (a client
 * gone mid-write is an error on that socket, not a reason to exit), logged once.
 */
import type { EventLog } from "../log/events.ts";

const IGNORED = ["SIGUSR2", "SIGWINCH", "SIGTTIN", "SIGTTOU", "SIGALRM"] as const;

export function installOperatorSignals(events: EventLog, reopenLogs: () => void): () => void {
  const handlers: [NodeJS.Signals, () => void][] = [];
  const on = (sig: NodeJS.Signals, fn: () => void) => {
    process.on(sig, fn);
    handlers.push([sig, fn]);
  };
  on("SIGUSR1", () => {
    try {
      reopenLogs();
      events("info", "SIGUSR1: log files reopened");
    } catch (e) {
      events("error", `SIGUSR1: cannot reopen the log files (${(e as Error).message}); still writing to the old ones`);
    }
  });
  for (const sig of IGNORED) on(sig, () => events("warn", `${sig}: ignored; use HUP to reload, USR1 to reopen logs, TERM to stop`));
  let pipeLogged = false;
  on("SIGPIPE", () => {
    if (!pipeLogged) events("info", "SIGPIPE: ignored (a peer closed a connection mid-write)");
    pipeLogged = true;
  });
  return () => {
    for (const [sig, fn] of handlers) process.off(sig, fn);
  };
}

import type { EventLog } from "../log/events.ts";

/**
 * Signals an operator (or logrotate) may send. USR1 reopens log files as Apache (graceful
 * restart reopens logs) and NGINX (`nginx -s reopen`) do; USR2 and WINCH, NGINX's binary upgrade
 * and worker shutdown, have no meaning for one process and are logged and ignored; PIPE is
 * ignored (a peer that went away is that exchange's error, not the process's). Without a
 * handler Bun's default action ends the process silently, pending access lines lost.
 */
export function watchOperatorSignals(started: { reopenLog: () => void }, events: EventLog): void {
  process.on("SIGUSR1", () => {
    try {
      started.reopenLog();
      events("info", "SIGUSR1: log files reopened");
    } catch (e) {
      events("error", `SIGUSR1: cannot reopen the access log: ${(e as Error).message}; still writing to the old file`);
    }
  });
  for (const sig of ["SIGUSR2", "SIGWINCH"] as const) process.on(sig, () => events("warn", `${sig}: ignored (SIGHUP reloads, SIGUSR1 reopens logs, SIGTERM/SIGQUIT stop)`));
  process.on("SIGPIPE", () => {});
}

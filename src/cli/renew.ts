/**
 * Renews `"certificates": "internal"` while the proxy runs: a timer fires when the first
 * internal certificate is due (a third of its life left, as Caddy renews), re-runs the same
 * load-and-swap as SIGHUP, and arms itself for the next one. Without it a proxy left running for
 * 90 days would serve an expired certificate.
 */
import type { EventLog } from "../log/events.ts";
import type { TlsSetup } from "../tls/listener-tls.ts";

export interface RenewDeps {
  load: () => Promise<Map<number, TlsSetup>>;
  apply: (next: Map<number, TlsSetup>) => Promise<void>;
  events: EventLog;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
  clearTimer?: (t: unknown) => void;
}

/** setTimeout holds at most 2^31-1 ms (~24.8 days); a later date is reached in steps. */
const MAX_DELAY = 2 ** 31 - 1;
/** A failed renewal is tried again this soon, so a passing problem (a full disk) heals. */
export const RETRY_MS = 60_000;

export function earliestRenewal(tls: ReadonlyMap<number, TlsSetup>): number | undefined {
  const due = [...tls.values()].flatMap((t) => (t.renewAt ? [t.renewAt.getTime()] : []));
  return due.length ? Math.min(...due) : undefined;
}

export function scheduleRenewal(initial: ReadonlyMap<number, TlsSetup>, d: RenewDeps): { stop(): void } {
  const now = d.now ?? Date.now;
  const setTimer = d.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = d.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  let timer: unknown;
  let stopped = false;
  const arm = (at: number | undefined) => {
    if (at === undefined || stopped) return;
    const t = setTimer(() => void fire(at), Math.max(0, Math.min(at - now(), MAX_DELAY)));
    t.unref?.(); // never the reason the process stays up
    timer = t;
  };
  const fire = async (at: number) => {
    if (now() < at) return arm(at); // a step of a long wait
    try {
      const next = await d.load();
      await d.apply(next);
      const again = earliestRenewal(next);
      d.events("info", `internal certificates renewed; next renewal ${again === undefined ? "none" : new Date(again).toISOString()}`);
      // At least a second apart: a certificate already due again must not spin the loop.
      arm(again === undefined ? undefined : Math.max(again, now() + 1000));
    } catch (e) {
      d.events("error", `internal certificate renewal failed: ${(e as Error).message}; still serving the current certificates, trying again in ${RETRY_MS / 1000} s`);
      arm(now() + RETRY_MS);
    }
  };
  arm(earliestRenewal(initial));
  return { stop: () => ((stopped = true), clearTimer(timer)) };
}

/**
 * Which listeners a reload keeps, adds and removes. A listener is its scheme, address and port:
 * changing any of them is a remove plus an add, while `redirectHttps` and certificates change in
 * place. Port-0 listeners ("any free port") with the same address pair up in config order.
 */
import type { ConfigIssue } from "../config/errors.ts";
import type { ListenerConfig } from "../config/schema.ts";

export interface ListenerPlan {
  /** [index before, index after] of each listener that stays bound */
  kept: [number, number][];
  /** indexes in the new config */
  added: number[];
  /** indexes in the running config */
  removed: number[];
  /** an added listener that needs a port a removed one still holds */
  conflicts: ConfigIssue[];
}

type Listener = Pick<ListenerConfig, "host" | "port" | "tls">;

export const listenerKey = (l: Listener): string => `${l.tls ? "https" : "http"}://${l.host.includes(":") ? `[${l.host}]` : l.host}:${l.port}`;

export function planListeners(before: readonly Listener[], after: readonly Listener[]): ListenerPlan {
  const free = new Map<string, number[]>();
  before.forEach((l, i) => free.set(listenerKey(l), [...(free.get(listenerKey(l)) ?? []), i]));
  const kept: [number, number][] = [];
  const added: number[] = [];
  after.forEach((l, j) => {
    const i = free.get(listenerKey(l))?.shift();
    if (i === undefined) added.push(j);
    else kept.push([i, j]);
  });
  const stays = new Set(kept.map(([i]) => i));
  const removed = before.flatMap((_, i) => (stays.has(i) ? [] : [i]));
  const conflicts = added.flatMap((j) => {
    const l = after[j]!;
    const i = removed.find((r) => overlaps(before[r]!, l));
    if (i === undefined) return [];
    // Closing a listening socket resets the connections queued on it (no SO_REUSEPORT hand-over
    // outside --workers), so the port cannot pass from one listener to the next without failures.
    const message = `${listenerKey(l)} needs port ${l.port}, which ${listenerKey(before[i]!)} (listeners[${i}] of the running configuration) holds until it is removed: a reload cannot hand a port from one listener to another without resetting connections; restart the proxy, or use another port and remove the old listener in a later reload`;
    return [{ path: `listeners[${j}].port`, message }];
  });
  return { kept, added, removed, conflicts };
}

const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);

/** Two binds of one port collide when an address is equal or either is a wildcard. */
function overlaps(a: Listener, b: Listener): boolean {
  return a.port !== 0 && a.port === b.port && (a.host === b.host || WILDCARD.has(a.host) || WILDCARD.has(b.host));
}

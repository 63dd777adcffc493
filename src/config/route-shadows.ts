/**
 * Whether a route could ever be used, given the routes with the same host and path (the router
 * compares paths exactly and hosts case-insensitively). A route with `ports` is more specific
 * than one without: on its ports it wins whatever the order, as `<VirtualHost *:8443>` wins over
 * `<VirtualHost *>` in httpd. Among routes of the same kind the first wins (the router's sort is
 * stable). A route without ports serves every listener that routes: it is unreachable when
 * routes with ports cover all of those.
 */
export interface Shadowed { index: number; message: string }

type Label = (index: number) => string;

export class RouteShadows {
  readonly #keys = new Map<string, { any?: number; byPort: Map<number, number> }>();
  readonly #routingPorts: readonly number[];
  readonly #everyPortNamable: boolean;
  readonly #label: Label;

  /** `routingPorts`: the ports of listeners that route; undefined when one of them is port 0 (no route can name it). */
  constructor(routingPorts: readonly number[] | undefined, label: Label) {
    this.#routingPorts = routingPorts ?? [];
    this.#everyPortNamable = routingPorts !== undefined;
    this.#label = label;
  }

  /** The message when routes[index] is shadowed by an earlier one; it is not registered then. */
  add(index: number, host: string | undefined, path: string, ports: readonly number[] | undefined): string | undefined {
    const key = `${host?.toLowerCase() ?? "*"} ${path}`;
    let k = this.#keys.get(key);
    if (!k) this.#keys.set(key, (k = { byPort: new Map() }));
    if (!ports) {
      if (k.any !== undefined) return `same host and path as routes[${k.any}] (${this.#label(k.any)}), so routes[${index}] (${this.#label(index)}) could never be used; remove one or change its host or path`;
      k.any = index;
      return undefined;
    }
    const claimed = ports.map((p) => k.byPort.get(p));
    if (claimed.every((c) => c !== undefined)) {
      const by = [...new Set(claimed)].map((c) => `routes[${c}] (${this.#label(c)})`).join(", ");
      return `same host and path as ${by} on every port it names, so routes[${index}] (${this.#label(index)}) could never be used; remove one or change its host, path or ports`;
    }
    for (const p of ports) if (!k.byPort.has(p)) k.byPort.set(p, index);
    return undefined;
  }

  /** Routes without ports that routes with ports leave no listener to. */
  uncovered(): Shadowed[] {
    if (!this.#everyPortNamable || this.#routingPorts.length === 0) return [];
    const out: Shadowed[] = [];
    for (const k of this.#keys.values()) {
      if (k.any === undefined || !this.#routingPorts.every((p) => k.byPort.has(p))) continue;
      const by = [...new Set(this.#routingPorts.map((p) => k.byPort.get(p)!))].map((c) => `routes[${c}]`).join(", ");
      out.push({ index: k.any, message: `routes[${k.any}] (${this.#label(k.any)}) could never be used: on every listener port a route with ports (${by}) has the same host and path; remove it or one of those ports` });
    }
    return out;
  }
}

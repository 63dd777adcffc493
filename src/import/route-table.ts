/**
 * The routes of an import, each with the listener ports of the site it came from (Apache
 * `<VirtualHost *:443>` or the main server's `Listen`, NGINX `listen`). httpd and NGINX pick
 * the site by the port the request came in on before its Host, so two sites on different ports
 * may give one host and path different answers: routes.json keeps them apart with
 * `routes[].ports`, written only when some route does not serve every port that routes.
 */
import type { Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";

/** A route as added: `ports` undefined serves every listener. */
export interface Served { route: Json; ports?: number[]; from: Node }

const keyOf = (host: unknown, path: unknown) => `${String(host ?? "*").toLowerCase()} ${String(path)}`;
/** The ports of `ports` that `e` also serves (all of them when either serves every port). */
const overlap = (e: Served, ports: number[] | undefined) => (ports ?? e.ports ?? []).filter((p) => !e.ports || e.ports.includes(p));
const portWords = (ports: number[]) => `port${ports.length > 1 ? "s" : ""} ${ports.join(", ")}`;

export class RouteTable {
  readonly routes: Json[] = [];
  private readonly served = new Map<string, Served[]>();
  private readonly report: Report;
  constructor(report: Report) {
    this.report = report;
  }

  /**
   * Adds a route unless an earlier site already answers its host and path on every one of its
   * ports: httpd and NGINX give a name on a port to the first site that names it. On some of
   * them only, the route keeps the others, with a note.
   */
  add(route: Json, from: Node, ports?: number[]): void {
    const taken = this.servedOn(route.host as string | undefined, String(route.path), ports);
    const what = `${route.host ?? "any host"} ${route.path}`;
    let own = ports && [...new Set(ports)].sort((a, b) => a - b);
    if (taken.length) {
      const first = taken[0]!.from;
      const busy = new Set(taken.flatMap((e) => overlap(e, own)));
      const free = own?.filter((p) => !busy.has(p)) ?? [];
      const on = busy.size ? ` on ${portWords([...busy])}` : "";
      if (!free.length) return this.report.skip(from, `${what} is already served${on} by ${first.loc.file}:${first.loc.line}; kept the first`);
      this.report.note(from, `${what} is already served${on} by ${first.loc.file}:${first.loc.line}; this route serves ${portWords(free)} only`);
      own = free;
    }
    const key = keyOf(route.host, route.path);
    this.served.set(key, [...(this.served.get(key) ?? []), { route, ports: own, from }]);
    this.routes.push(route);
  }

  /** The routes already added for this host and path that serve any of these ports. */
  servedOn(host: string | undefined, path: string, ports: number[] | undefined): Served[] {
    return (this.served.get(keyOf(host, path)) ?? []).filter((e) => overlap(e, ports).length > 0 || (!ports && !e.ports));
  }

  /**
   * The routes as written. `routing` are the listeners that route (a redirectHttps listener
   * answers every request itself, so its port is left out of every route's ports). No route
   * gets `ports` when each serves all of them: the usual 443-proxies, 80-redirects import.
   */
  json(routing: number[]): Json[] {
    const live = new Map<Json, number[] | undefined>();
    for (const e of [...this.served.values()].flat()) {
      const kept = e.ports?.filter((p) => routing.includes(p));
      live.set(e.route, kept?.length ? kept : e.ports);
    }
    const perPort = [...live.values()].some((p) => p && !routing.every((x) => p.includes(x)));
    if (!perPort) return this.routes;
    return this.routes.map((r) => {
      const ports = live.get(r);
      if (!ports) return r;
      const { host, ...rest } = r;
      return "host" in r ? { host, ports, ...rest } : { ports, ...rest };
    });
  }
}

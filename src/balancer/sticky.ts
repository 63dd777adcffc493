/**
 * Sticky sessions for one pool, with Apache mod_proxy_balancer's decision table
 * (mod_proxy_balancer): a usable member owning the requested route takes the request;
 * otherwise the pool's method picks (and insert mode re-issues the cookie), unless
 * `failover: false` and the route belongs to a member of this pool, which is a 503 (AH01167).
 */
import type { Member } from "./member.ts";
import type { PickContext } from "./method.ts";
import type { Pool } from "./pool.ts";
import { cookieValue, requestedRoute, routeOf, type StickyRequest } from "./sticky-route.ts";
import type { PoolConfig } from "../config/schema.ts";

export type StickyConfig = NonNullable<PoolConfig["sticky"]>;

export class Sticky {
  readonly #cfg: StickyConfig;
  /** Member + route clashes already reported (learn), so each is logged once. */
  readonly #clashes = new Set<string>();
  readonly #setCookieSuffix: string;

  constructor(cfg: StickyConfig) {
    this.#cfg = cfg;
    this.#setCookieSuffix = cookieAttributes(cfg);
  }

  get mode(): StickyConfig["mode"] {
    return this.#cfg.mode;
  }

  /** The route this request asks for, before looking at any member. */
  route(req: StickyRequest): string | undefined {
    return requestedRoute({ cookieName: this.#cfg.cookie, mode: this.#cfg.mode }, req);
  }

  /**
   * Member for one try. `tried` holds members that already failed for this request: a sticky
   * member in it counts as unavailable (Apache rebalances after a connect failure, B1.7).
   */
  /** null: the session's member is out and failover is off (Apache nofailover): refuse, never fall back. */
  choose(pool: Pool, req: StickyRequest & PickContext, tried: ReadonlySet<Member>): Member | null | undefined {
    const asked = this.route(req);
    const owner = asked === undefined ? undefined : pool.byRoute(asked);
    if (owner) {
      // availableForSticky: drain (`+N`) keeps its sessions; standby with the route is used
      // even while primaries are up, as Apache's find_route_worker does.
      if (owner.availableForSticky() && !tried.has(owner)) return owner;
      if (!this.#cfg.failover) return null;
    }
    // No route, or one naming no member of this pool: a plain balanced request.
    return pool.pick(req, tried);
  }

  /**
   * Route-suffix mode with `learn`: a member without an explicit route takes the route of the
   * session cookie it sets (`JSESSIONID=<id>.<jvmRoute>`, Tomcat), so sessions stick without
   * configuring every route by hand. Returns the new route when it changed (for the log).
   * A route another member of the pool already has (two Tomcats with one jvmRoute) is not
   * taken: the sessions of one would all go to the other. It is returned with `taken`, once.
   */
  learn(member: Member, setCookies: readonly string[], pool: readonly Member[] = []): { route: string; taken?: Member } | undefined {
    if (this.#cfg.mode !== "route-suffix" || this.#cfg.learn === false || member.routeExplicit) return undefined;
    for (const line of setCookies) {
      const route = routeOf(cookieValue(line.split(";", 1)[0]!, this.#cfg.cookie));
      if (route === undefined || route === member.route) continue;
      const taken = pool.find((o) => o !== member && o.route === route);
      if (taken) {
        const key = `${member.origin} ${route}`;
        if (this.#clashes.has(key)) return undefined;
        this.#clashes.add(key);
        return { route, taken };
      }
      member.route = route;
      return { route };
    }
    return undefined;
  }

  /**
   * Insert mode: the Set-Cookie value to add when the answering member is not the one the
   * request's route named (first visit, failover, bogus route), like the Apache recipe's
   * `env=BALANCER_ROUTE_CHANGED`; undefined otherwise, and always in route-suffix mode,
   * where the backend owns the cookie.
   */
  setCookieFor(req: StickyRequest, member: Member): string | undefined {
    if (this.#cfg.mode !== "insert") return undefined;
    if (this.route(req) === member.route) return undefined;
    return `${this.#cfg.cookie}=.${member.route}${this.#setCookieSuffix}`;
  }
}

/**
 * `; Path=/` by default: without a Path browsers scope the cookie to the request's directory,
 * which broke Caddy's stickiness across paths (caddy#4096). Max-Age is in whole seconds.
 */
function cookieAttributes(cfg: StickyConfig): string {
  let s = `; Path=${cfg.path ?? "/"}`;
  if (cfg.maxAge !== undefined) s += `; Max-Age=${Math.floor(cfg.maxAge / 1000)}`;
  if (cfg.secure) s += "; Secure";
  if (cfg.httpOnly) s += "; HttpOnly";
  if (cfg.sameSite) s += `; SameSite=${cfg.sameSite}`;
  return s;
}

import { createHash } from "node:crypto";

/**
 * Administrative state from routes.json. "drain" is Apache `status=+N` / nginx `drain`:
 * the member keeps its sticky sessions but gets no new ones. "disabled" is Apache `+D`.
 */
export type MemberState = "active" | "drain" | "disabled";

export interface MemberInit {
  url: string;
  weight: number;
  route: string;
  /** False when the route was derived from the URL (then route-suffix mode may learn it). */
  routeExplicit?: boolean;
  standby: boolean;
  state: MemberState;
}

/** One upstream server of a pool (Apache BalancerMember, nginx `server`). */
export class Member {
  readonly url: URL;
  readonly origin: string;
  /** Apache `loadfactor`, 1..100. */
  readonly weight: number;
  /** The sticky route; replaced only by Sticky.learn (route-suffix mode, Tomcat jvmRoute). */
  route: string;
  readonly routeExplicit: boolean;
  /** Apache `+H` hot standby / nginx `backup`. */
  readonly standby: boolean;
  state: MemberState;
  /** Owned by health checking; change it through Pool.setStatus. */
  healthy = true;
  inflight = 0;
  bytes = 0;
  served = 0;

  constructor(init: MemberInit) {
    // Weight is a divisor in bytraffic/bybusyness/iphash: a bad one must fail loudly here.
    if (!Number.isInteger(init.weight) || init.weight < 1 || init.weight > 100) {
      throw new RangeError(`member ${init.url}: weight must be an integer 1..100, got ${init.weight}`);
    }
    this.url = new URL(init.url);
    this.origin = this.url.origin;
    this.weight = init.weight;
    this.route = init.route;
    this.routeExplicit = init.routeExplicit ?? true;
    this.standby = init.standby;
    this.state = init.state;
  }

  /** Usable for a new, unbound request: healthy and active (drain takes no new sessions). */
  available(): boolean {
    return this.healthy && this.state === "active";
  }

  /** Usable for a request its sticky route binds to it: Apache `+N` still serves its sessions. */
  availableForSticky(): boolean {
    return this.healthy && this.state !== "disabled";
  }

  begin(): void {
    this.inflight++;
    this.served++;
  }

  end(bytes: number): void {
    // Never below zero: a double end() must not make the member look "less than idle" to bybusyness.
    if (this.inflight > 0) this.inflight--;
    if (Number.isFinite(bytes) && bytes > 0) this.bytes += bytes;
  }
}

/**
 * Default sticky route: 8 hex chars of SHA-256 over the normalized URL, so every proxy
 * instance (and every restart) derives the same route for the same member, like a fixed
 * Tomcat jvmRoute would be.
 */
export function defaultRoute(url: string): string {
  const normalized = new URL(url).href;
  return createHash("sha256").update(normalized).digest("hex").slice(0, 8);
}

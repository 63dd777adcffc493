import { createHash } from "node:crypto";
import { Histogram } from "../metrics/histogram.ts";

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
  /** Latency histogram bounds in seconds (admin.metrics.buckets). */
  buckets?: readonly number[] | undefined;
}

/** One upstream server of a pool (Apache BalancerMember, nginx `server`). */
export class Member {
  readonly url: URL;
  readonly origin: string;
  /** url.host and url.pathname, read once: a URL getter makes a new string on every call, and every request reads these. */
  readonly host: string;
  readonly basePath: string;
  /** Apache `loadfactor`, 1..100. Changeable at runtime (admin API); methods read it live. */
  weight: number;
  /** The sticky route; besides routes.json, only Sticky.learn replaces it (route-suffix mode, Tomcat jvmRoute). */
  route: string;
  /** False when the route was derived from the URL (then route-suffix mode may learn it). */
  routeExplicit: boolean;
  /** Apache `+H` hot standby / nginx `backup`. */
  standby: boolean;
  state: MemberState;
  /** What routes.json says; state/weight differ from these only through a runtime override. */
  configWeight: number;
  configState: MemberState;
  /** The pool it is registered under (state/registry.ts): its metrics label, also after it left. */
  poolName = "";
  /** Owned by health checking; change it through Pool.setStatus. */
  healthy = true;
  /** Wall-clock ms of the last health change, and why (for the status page and API). */
  healthSince = Date.now();
  healthReason = "";
  /** Wall-clock ms a passive ejection ends; null when probes (not traffic) took it out. */
  healthUntil: number | null = null;
  /** The last active probe (health/active.ts): wall-clock ms it was sent (0: none yet), passed, how long it took. */
  lastProbeAt = 0;
  lastProbeOk = false;
  lastProbeMs = 0;
  inflight = 0;
  bytes = 0;
  served = 0;
  // Counters for the admin API and /metrics: plain numbers, bumped by metrics/record.ts.
  requests = 0;
  errors = 0;
  bytesIn = 0;
  bytesOut = 0;
  connectFailures = 0;
  ejectionsPassive = 0;
  ejectionsActive = 0;
  readonly latency: Histogram;

  constructor(init: MemberInit) {
    // Weight is a divisor in bytraffic/bybusyness/iphash: a bad one must fail loudly here.
    if (!Number.isInteger(init.weight) || init.weight < 1 || init.weight > 100) {
      throw new RangeError(`member ${init.url}: weight must be an integer 1..100, got ${init.weight}`);
    }
    this.url = new URL(init.url);
    this.origin = this.url.origin;
    this.host = this.url.host;
    this.basePath = this.url.pathname;
    this.weight = init.weight;
    this.route = init.route;
    this.routeExplicit = init.routeExplicit ?? true;
    this.standby = init.standby;
    this.state = init.state;
    this.configWeight = init.weight;
    this.configState = init.state;
    this.latency = new Histogram(init.buckets);
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

import type { Member } from "./member.ts";
import type { BalancingMethod, PickContext } from "./method.ts";

/** A named group of members and the method that balances new requests across them. */
export class Pool {
  readonly name: string;
  readonly members: readonly Member[];
  readonly #method: BalancingMethod;
  readonly #primaries: readonly Member[];
  readonly #standbys: readonly Member[];

  constructor(name: string, members: Member[], method: BalancingMethod) {
    this.name = name;
    this.members = Object.freeze([...members]);
    this.#method = method;
    this.#primaries = this.members.filter((m) => !m.standby);
    this.#standbys = this.members.filter((m) => m.standby);
  }

  /**
   * Member for a new (non-sticky) request. Standby members (Apache `+H`, nginx `backup`)
   * are tried only when no primary is usable; a primary that is usable but in `exclude`
   * (already failed for this request) does not count, so a retry can reach the standby
   * just as nginx moves to the backup peers once the primaries are exhausted.
   * Undefined means nothing is usable: the caller answers 503.
   */
  pick(ctx: PickContext, exclude?: ReadonlySet<Member>): Member | undefined {
    return (
      this.#pickFrom(this.#primaries, ctx, exclude) ??
      this.#pickFrom(this.#standbys, ctx, exclude)
    );
  }

  #pickFrom(
    group: readonly Member[],
    ctx: PickContext,
    exclude: ReadonlySet<Member> | undefined,
  ): Member | undefined {
    // Usually every member is usable: then the group itself is offered (methods only read it).
    let all = true;
    for (const m of group) {
      if (!m.available() || exclude?.has(m)) {
        all = false;
        break;
      }
    }
    const candidates = all ? group : group.filter((m) => m.available() && !exclude?.has(m));
    if (candidates.length === 0) return undefined;
    const chosen = this.#method.pick(candidates, ctx);
    // A method may only choose among what it was offered; anything else is a bug, not a member.
    return chosen !== undefined && candidates.includes(chosen) ? chosen : undefined;
  }

  /** The one call through which health changes a member's status. True when it changed. */
  setStatus(member: Member, healthy: boolean): boolean {
    if (!this.members.includes(member)) {
      throw new Error(`pool ${this.name}: ${member.url.href} is not a member`);
    }
    if (member.healthy === healthy) return false;
    member.healthy = healthy;
    member.healthSince = Date.now();
    if (healthy) member.healthReason = "";
    return true;
  }

  /**
   * Member owning a sticky route: primaries before standbys, as Apache's find_route_worker
   * checks non-`+H` workers first. Among several with the route the usable one wins; if none
   * is usable the first match is returned, and the caller checks availableForSticky().
   */
  byRoute(route: string): Member | undefined {
    let fallback: Member | undefined;
    for (const group of [this.#primaries, this.#standbys]) {
      for (const m of group) {
        if (m.route !== route) continue;
        if (m.availableForSticky()) return m;
        fallback ??= m;
      }
    }
    return fallback;
  }

  /** True when a new request could be placed (for status pages and readiness). */
  hasAvailable(): boolean {
    return this.members.some((m) => m.available());
  }
}

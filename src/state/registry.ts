/**
 * Members outlive a configuration: one Member object per pool name + URL, so a reload keeps
 * a member's health, ejection, counters and upstream connections. compile asks `member()`;
 * `commit()` makes the members the new configuration named the running set (the others are
 * forgotten), `discard()` drops a draft whose reload failed.
 */
import { Member, type MemberInit } from "../balancer/member.ts";

export const memberKey = (pool: string, url: string): string => `${pool} ${new URL(url).href}`;

const sameInit = (m: Member, i: MemberInit) =>
  m.weight === i.weight && m.route === i.route && m.standby === i.standby && m.state === i.state;

export class MemberRegistry {
  #members = new Map<string, Member>();
  #draft = new Map<string, Member>();

  /**
   * The member for pool + URL: the running object when its routes.json values are unchanged,
   * else a new one (a changed weight, route, standby or state starts from a fresh member,
   * because pools and balancing methods read those values as fixed).
   */
  member(pool: string, url: string, init: MemberInit): Member {
    const key = memberKey(pool, url);
    const known = this.#members.get(key);
    const m = known && sameInit(known, init) ? known : new Member(init);
    this.#draft.set(key, m);
    return m;
  }

  get(pool: string, url: string): Member | undefined {
    return this.#members.get(memberKey(pool, url));
  }

  /** The members asked for since the last commit/discard are now the running ones. */
  commit(): void {
    this.#members = this.#draft;
    this.#draft = new Map();
  }

  discard(): void {
    this.#draft = new Map();
  }
}

import { describe, expect, test } from "bun:test";
import { MemberRegistry } from "../../src/state/registry.ts";

const init = (url: string, weight = 1) => ({ url, weight, route: "r1", standby: false, state: "active" as const });

describe("MemberRegistry", () => {
  test("a member that stays (same pool and URL, same values) is the same object after commit", () => {
    const r = new MemberRegistry();
    const m = r.member("web", "http://10.0.0.1:80", init("http://10.0.0.1:80"));
    r.commit();
    m.healthy = false;
    expect(r.member("web", "http://10.0.0.1", init("http://10.0.0.1"))).toBe(m);
    r.commit();
    expect(r.get("web", "http://10.0.0.1:80")?.healthy).toBe(false);
  });

  test("another pool, a changed weight or a discarded draft give or keep the right objects", () => {
    const r = new MemberRegistry();
    const m = r.member("web", "http://a", init("http://a"));
    r.commit();
    expect(r.member("api", "http://a", init("http://a"))).not.toBe(m);
    expect(r.member("web", "http://a", init("http://a", 5))).not.toBe(m);
    r.discard();
    expect(r.get("web", "http://a")).toBe(m);
  });

  test("members the committed configuration no longer names are forgotten", () => {
    const r = new MemberRegistry();
    r.member("web", "http://a", init("http://a"));
    r.commit();
    r.member("web", "http://b", init("http://b"));
    r.commit();
    expect(r.get("web", "http://a")).toBeUndefined();
    expect(r.get("web", "http://b")).toBeDefined();
  });
});

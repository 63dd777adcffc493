import { describe, expect, test } from "bun:test";
import { Member, defaultRoute, type MemberInit } from "../../src/balancer/member.ts";

const init = (over: Partial<MemberInit> = {}): MemberInit => ({
  url: "http://127.0.0.1:9000/app",
  weight: 1,
  route: "r1",
  standby: false,
  state: "active",
  ...over,
});

describe("Member", () => {
  test("parses url and origin, keeps the base path", () => {
    const m = new Member(init({ url: "https://Backend.Example:8443/is/" }));
    expect(m.origin).toBe("https://backend.example:8443");
    expect(m.url.pathname).toBe("/is/");
    expect(m.healthy).toBe(true);
    expect([m.inflight, m.bytes, m.served]).toEqual([0, 0, 0]);
  });

  test("rejects weights outside Apache's loadfactor range 1..100", () => {
    for (const weight of [0, 101, 1.5, Number.NaN]) {
      expect(() => new Member(init({ weight }))).toThrow(RangeError);
    }
    expect(new Member(init({ weight: 100 })).weight).toBe(100);
  });

  test("available: only healthy and active", () => {
    const cases: [MemberInit["state"], boolean, boolean][] = [
      ["active", true, true],
      ["drain", true, false],
      ["disabled", true, false],
      ["active", false, false],
    ];
    for (const [state, healthy, expected] of cases) {
      const m = new Member(init({ state }));
      m.healthy = healthy;
      expect(m.available()).toBe(expected);
    }
  });

  test("availableForSticky: drain keeps its sessions (Apache +N), disabled and down do not", () => {
    const cases: [MemberInit["state"], boolean, boolean][] = [
      ["active", true, true],
      ["drain", true, true],
      ["disabled", true, false],
      ["drain", false, false],
      ["active", false, false],
    ];
    for (const [state, healthy, expected] of cases) {
      const m = new Member(init({ state }));
      m.healthy = healthy;
      expect(m.availableForSticky()).toBe(expected);
    }
  });

  test("begin/end count requests, inflight and bytes", () => {
    const m = new Member(init());
    m.begin();
    m.begin();
    expect([m.inflight, m.served]).toEqual([2, 2]);
    m.end(100);
    m.end(50);
    expect([m.inflight, m.served, m.bytes]).toEqual([0, 2, 150]);
    m.end(-5); // a stray end() neither goes below zero nor subtracts traffic
    expect([m.inflight, m.bytes]).toEqual([0, 150]);
  });
});

describe("defaultRoute", () => {
  test("is 8 lowercase hex chars", () => {
    expect(defaultRoute("http://127.0.0.1:9000")).toMatch(/^[0-9a-f]{8}$/);
  });

  test("is stable: a known value, and the same for equivalent spellings of the URL", () => {
    const r = defaultRoute("http://127.0.0.1:9000");
    expect(r).toBe(new Bun.CryptoHasher("sha256").update("http://127.0.0.1:9000/").digest("hex").slice(0, 8));
    expect(defaultRoute("HTTP://127.0.0.1:9000/")).toBe(r);
  });

  test("differs between members", () => {
    const routes = new Set(
      ["http://127.0.0.1:9000", "http://127.0.0.1:9001", "https://127.0.0.1:9000", "http://127.0.0.1:9000/a"].map(
        defaultRoute,
      ),
    );
    expect(routes.size).toBe(4);
  });
});

import { describe, expect, test } from "bun:test";
import { Registry } from "../../src/state/registry.ts";
import { memoryStore } from "../../src/state/overrides.ts";

const init = (over: Partial<{ url: string; weight: number; state: "active" | "drain" | "disabled" }> = {}) => ({ url: "http://10.0.0.1:8080", weight: 1, route: "n1", standby: false, state: "active" as const, ...over });

/** A registry whose member app/10.0.0.1 has a weight override of 5 (routes.json: 1), its log cleared. */
function weightOverridden() {
  const store = memoryStore();
  const lines: string[] = [];
  const r = new Registry(store, (_l, m) => void lines.push(m));
  const a = r.member("app", init());
  r.change("app", a, { weight: 5 }, "ops");
  lines.length = 0;
  return { store, lines, r, a };
}

describe("Registry", () => {
  test("the same pool + URL gives the same member object, so a reload keeps its state", () => {
    const r = new Registry();
    const a = r.member("app", init());
    a.requests = 7;
    a.healthy = false;
    const b = r.member("app", init({ weight: 3 }));
    expect(b).toBe(a);
    expect(b.requests).toBe(7);
    expect(b.weight).toBe(3);
    expect(r.member("other", init())).not.toBe(a);
  });

  test("a route learned from Set-Cookie outlives a reload while routes.json names none; an explicit route replaces it", () => {
    const r = new Registry();
    const m = r.member("app", { ...init(), route: "a1b2c3d4", routeExplicit: false });
    m.route = "isNode1"; // what Sticky.learn does
    expect(r.member("app", { ...init(), route: "a1b2c3d4", routeExplicit: false }).route).toBe("isNode1");
    expect(r.member("app", { ...init(), route: "node9", routeExplicit: true }).route).toBe("node9");
    expect(r.member("app", { ...init(), route: "a1b2c3d4", routeExplicit: false }).route).toBe("a1b2c3d4");
  });

  test("a change is applied at once, persisted with the routes.json value, and logged with who", () => {
    const store = memoryStore();
    const lines: string[] = [];
    const r = new Registry(store, (_l, m) => lines.push(m));
    const m = r.member("app", init());
    r.change("app", m, { state: "drain", weight: 4 }, "alice");
    expect(m.state).toBe("drain");
    expect(m.weight).toBe(4);
    expect(r.overridden("app", m)).toBe(true);
    expect(store.saved).toEqual({ app: { "http://10.0.0.1:8080/": { state: { value: "drain", config: "active" }, weight: { value: 4, config: 1 } } } });
    expect(lines).toEqual([
      "admin: alice set pool=app member=http://10.0.0.1:8080/ state active -> drain",
      "admin: alice set pool=app member=http://10.0.0.1:8080/ weight 1 -> 4",
    ]);
    r.reset("app", m, "alice");
    expect([m.state, m.weight, r.overridden("app", m)]).toEqual(["active", 1, false]);
    expect(store.saved).toEqual({});
  });

  test("overrides survive a restart while routes.json is unchanged; an edit of that field wins", () => {
    const store = memoryStore({ app: { "http://10.0.0.1:8080/": { state: { value: "drain", config: "active" }, weight: { value: 4, config: 1 } } } });
    const lines: string[] = [];
    const r = new Registry(store, (_l, m) => lines.push(m));
    const m = r.member("app", init({ weight: 2 }));
    expect(m.state).toBe("drain");
    expect(m.weight).toBe(2);
    expect(lines.join("\n")).toContain("routes.json changed weight from 1 to 2: the runtime override weight=4 is dropped");
    expect(store.saved).toEqual({ app: { "http://10.0.0.1:8080/": { state: { value: "drain", config: "active" } } } });
  });

  test("setting a field back to its routes.json value drops that override", () => {
    const r = new Registry();
    const m = r.member("app", init());
    r.change("app", m, { state: "disabled" }, "a");
    r.change("app", m, { state: "active" }, "a");
    expect(r.overridden("app", m)).toBe(false);
  });

  test("retain forgets members that left the config; pool and route stats are kept by name", () => {
    const r = new Registry();
    const a = r.member("app", init());
    r.retain([]);
    expect(r.member("app", init())).not.toBe(a);
    expect(r.pool("app")).toBe(r.pool("app"));
    expect(r.route("/")).toBe(r.route("/"));
  });

  test("refresh applies what another process saved since this one read the store", () => {
    const store = memoryStore();
    const r = new Registry(store);
    const a = r.member("app", init());
    const sibling = new Registry(store);
    sibling.change("app", sibling.member("app", init()), { state: "disabled" }, "ops");
    expect(a.state).toBe("active");
    r.refresh();
    expect(a.state).toBe("disabled");
  });

  test("a member that leaves routes.json takes its override with it: added back, it starts from routes.json", () => {
    const { store, lines, r, a } = weightOverridden();
    r.retain([]);
    expect(store.saved).toEqual({});
    expect(lines).toEqual(["pool=app member=http://10.0.0.1:8080/ left routes.json: its runtime override is dropped"]);
    const back = r.member("app", init());
    expect(back).not.toBe(a);
    expect(back.weight).toBe(1);
  });

  test("a saved override of a member removed from routes.json while stopped is dropped at the first retain: added back, it starts from routes.json", () => {
    const { store } = weightOverridden(); // saved by the last run: app/10.0.0.1 weight 5
    const lines: string[] = [];
    const next = new Registry(store, (_l, m) => void lines.push(m));
    const other = next.member("app", init({ url: "http://10.0.0.2:8080" })); // routes.json no longer names 10.0.0.1
    next.retain([other]);
    expect(store.saved).toEqual({});
    expect(lines).toEqual(["pool=app member=http://10.0.0.1:8080/ is not in routes.json: its saved runtime override is dropped"]);
    expect(next.member("app", init()).weight).toBe(1);
  });

  test("saved overrides of pools this config does not define stay: another routes file may share the state file", () => {
    const { store } = weightOverridden();
    const saved = structuredClone(store.saved);
    const other = new Registry(store);
    other.retain([other.member("internal", init({ url: "http://10.0.0.7:8080" }))]);
    expect(store.saved).toEqual(saved);
    expect(Object.keys(store.saved)).toEqual(["app"]);
  });

  test("a staged reload rolled back restores members' fields, forgets members it created, and logs and saves nothing", () => {
    const { store, lines, r, a } = weightOverridden();
    const saved = structuredClone(store.saved);
    const staged = r.stage();
    r.member("app", init({ weight: 2, state: "drain" })); // routes.json edits the weight: the override would drop
    const added = r.member("app", init({ url: "http://10.0.0.9:8080" }));
    expect([a.weight, a.state]).toEqual([2, "drain"]);
    expect(lines).toEqual([]);
    staged.rollback();
    expect([a.weight, a.configWeight, a.state, a.configState, r.overridden("app", a)]).toEqual([5, 1, "active", "active", true]);
    expect(r.member("app", init({ url: "http://10.0.0.9:8080" }))).not.toBe(added);
    expect([store.saved, lines]).toEqual([saved, []]);
    expect(() => staged.commit()).toThrow("no longer staged");
  });

  test("a staged reload committed logs and saves what it changed, once", () => {
    const { store, lines, r, a } = weightOverridden();
    const staged = r.stage();
    expect(() => r.stage()).toThrow("already staged");
    r.member("app", init({ weight: 2 }));
    expect(store.saved).toEqual({ app: { "http://10.0.0.1:8080/": { weight: { value: 5, config: 1 } } } });
    staged.commit();
    expect(lines).toEqual(["pool=app member=http://10.0.0.1:8080/ routes.json changed weight from 1 to 2: the runtime override weight=5 is dropped"]);
    expect([a.weight, store.saved]).toEqual([2, {}]);
  });
});

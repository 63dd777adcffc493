import { expect, test } from "bun:test";
import { findMember, memberView, statusView } from "../../src/admin/views.ts";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";

test("health reads up, ejected (with until) or down from the live member; members found by route", () => {
  const rt = compile(parseConfigText(JSON.stringify({ listeners: [{ port: 0 }], pools: { p: { members: [{ url: "http://10.0.0.1:8080/base", route: "a" }] } }, routes: [{ pool: "p" }] })), { file: "/tmp/r.json" });
  const rp = rt.pools.get("p")!;
  const m = findMember(rp, "a")!;
  expect(memberView(rt, "p", m)).toMatchObject({ url: "http://10.0.0.1:8080/base", health: { status: "up", until: null } });
  rp.pool.setStatus(m, false);
  m.healthUntil = Date.UTC(2030, 0, 1);
  m.healthReason = "1 failure(s)";
  expect(memberView(rt, "p", m).health).toMatchObject({ status: "ejected", reason: "1 failure(s)", until: "2030-01-01T00:00:00.000Z" });
  m.healthUntil = null;
  expect(memberView(rt, "p", m).health.status).toBe("down");
  expect(findMember(rp, "zz")).toBeUndefined();
});

test("lastProbe is null until an active probe ran, then its time, result and duration", () => {
  const rt = compile(parseConfigText(JSON.stringify({ listeners: [{ port: 0 }], pools: { p: { members: [{ url: "http://10.0.0.1:8080", route: "a" }] } }, routes: [{ pool: "p" }] })), { file: "/tmp/r.json" });
  const m = findMember(rt.pools.get("p")!, "a")!;
  expect(memberView(rt, "p", m).health.lastProbe).toBeNull();
  m.lastProbeAt = Date.UTC(2030, 0, 1, 12);
  m.lastProbeOk = false;
  m.lastProbeMs = 2.345;
  expect(memberView(rt, "p", m).health.lastProbe).toEqual({ at: "2030-01-01T12:00:00.000Z", ok: false, ms: 2.3 });
});

test("status routes carry their listener ports, null for a route every listener serves", () => {
  const rt = compile(parseConfigText(JSON.stringify({
    listeners: [{ port: 8080 }, { port: 8443 }],
    pools: { p: { members: [{ url: "http://10.0.0.1:8080" }] } },
    routes: [{ path: "/gw", pool: "p", ports: [8443] }, { pool: "p" }],
  })), { file: "/tmp/r.json" });
  const view = statusView(rt, { version: "t", startedAt: 0, config: { file: "/tmp/r.json", generation: 1, loadedAt: 0 }, listeners: [] });
  expect(view.routes.map((r) => [r.name, r.ports])).toEqual([["*:8443/gw", [8443]], ["*/", null]]);
});

import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createReloader, watchFile } from "../../src/cli/reload.ts";
import { compile } from "../../src/config/compile.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { createAffinity } from "../../src/health/wire.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { listen } from "../../src/server/listen.ts";
import { makeTempDir } from "../temp-dirs.ts";
import { Registry } from "../../src/state/registry.ts";
import { memoryStore } from "../../src/state/overrides.ts";
import type { Member } from "../../src/balancer/member.ts";

describe("reload", () => {
  test("a reload that adds a listener binds it; one whose port is in use keeps the running generation", async () => {
    const dir = makeTempDir("edge-reload-");
    const file = join(dir, "routes.json");
    const cfg = (ports: number[]) => JSON.stringify({
      listeners: ports.map((port) => ({ port, host: "127.0.0.1" })),
      pools: {},
      routes: [{ path: "/", respond: { status: 200, body: `listeners ${ports.length}` } }],
      accessLog: { format: "combined", path: "/dev/null" },
    });
    writeFileSync(file, cfg([0]));
    const lines: string[] = [];
    const events = (level: string, m: string) => void lines.push(`${level} ${m}`);
    const first = compile(await loadConfigFile(file), { file });
    const affinity = createAffinity(first, { events });
    const hooks = () => ({ deadlines: new Deadlines(), events, access: () => {} });
    const running = listen(first, hooks(), new Map());
    const r = createReloader({ rt: first, affinity, running, tls: new Map() }, { file, events, hooks });
    let reloaded = 0;
    r.onReload(() => reloaded++);
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      writeFileSync(file, cfg([0, busy.port]));
      expect(await r.reload("test")).toEqual({ errors: [`listeners[1].port: ${busy.port} is in use (on 127.0.0.1); stop what listens there or choose another port`] });
      expect(lines.at(-1)).toStartWith("error reload (test) failed, still serving generation 1:");
      expect(running.urls).toHaveLength(1);
      expect(reloaded).toBe(0);
      writeFileSync(file, cfg([0, 0]));
      expect(await r.reload("test")).toEqual({ generation: 2 });
      expect(lines).toContain(`info listening on ${running.urls[1]}`);
      expect(lines.at(-1)).toContain(`; listeners +${running.urls[1]}; certificates unchanged`);
      expect(await (await fetch(running.urls[1]!)).text()).toBe("listeners 2");
      expect(r.stats).toMatchObject({ generation: 2, success: 1, failure: 1 });
      expect(reloaded).toBe(1);
    } finally {
      busy.stop(true);
      r.live.affinity.stop();
      await running.stop(true);
    }
  });

  test("a reload refused at a bind or at a key file leaves the members, their overrides and the saved state as they were", async () => {
    const dir = makeTempDir("edge-reload-");
    const file = join(dir, "routes.json");
    const cfg = (a: object, b: object, extra: { ports?: number[]; auth?: object } = {}) => JSON.stringify({
      listeners: (extra.ports ?? [0]).map((port) => ({ port, host: "127.0.0.1" })),
      pools: { web: { members: [{ url: "http://127.0.0.1:1", ...a }, { url: "http://127.0.0.1:2", ...b }] } },
      routes: [{ path: "/", pool: "web", ...(extra.auth ? { auth: extra.auth } : {}) }],
      accessLog: { format: "combined", path: "/dev/null" },
    });
    writeFileSync(file, cfg({}, {}));
    const lines: string[] = [];
    const events = (level: string, m: string) => void lines.push(`${level} ${m}`);
    const store = memoryStore();
    const registry = new Registry(store, events);
    const first = compile(await loadConfigFile(file), { file, registry });
    const [a, b] = first.pools.get("web")!.pool.members as [Member, Member];
    registry.change("web", b, { weight: 9 }, "tester");
    const saved = structuredClone(store.saved);
    const hooks = () => ({ deadlines: new Deadlines(), events, access: () => {} });
    const running = listen(first, hooks(), new Map());
    const r = createReloader({ rt: first, affinity: createAffinity(first, { events }), running, tls: new Map() }, { file, events, hooks });
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const unchanged = () => {
      expect([a.state, a.weight, a.configState, a.configWeight]).toEqual(["active", 1, "active", 1]);
      expect([b.weight, b.configWeight, registry.overridden("web", b)]).toEqual([9, 1, true]);
      expect(store.saved).toEqual(saved);
      expect(lines.filter((l) => l.includes("override"))).toEqual([]);
    };
    try {
      writeFileSync(file, cfg({ state: "disabled", weight: 7 }, { weight: 3 }, { ports: [0, busy.port] }));
      expect(await r.reload("test")).toHaveProperty("errors");
      unchanged();
      writeFileSync(file, cfg({ state: "disabled", weight: 7 }, { weight: 3 }, { auth: { jwt: { secretFile: join(dir, "missing.key") } } }));
      expect(await r.reload("test")).toHaveProperty("errors");
      unchanged();
      expect(r.live.rt).toBe(first);
      // The same edit without the bad part goes through: routes.json's new weight wins over the override.
      writeFileSync(file, cfg({ state: "disabled", weight: 7 }, { weight: 3 }));
      expect(await r.reload("test")).toEqual({ generation: 2 });
      expect([a.state, a.weight, b.weight, registry.overridden("web", b)]).toEqual(["disabled", 7, 3, false]);
      expect(lines.filter((l) => l.includes("override"))).toEqual([expect.stringContaining("routes.json changed weight from 1 to 3: the runtime override weight=9 is dropped")]);
      expect(store.saved).toEqual({});
    } finally {
      busy.stop(true);
      r.live.affinity.stop();
      await running.stop(true);
    }
  });

  test("--watch fires once the file's text changes, not for a rewrite of the same text", async () => {
    const dir = makeTempDir("edge-watch-");
    const file = join(dir, "routes.json");
    writeFileSync(file, "{}");
    let fired = 0;
    let changed!: () => void;
    const seen = new Promise<void>((r) => (changed = r));
    const stop = watchFile(file, () => (fired++, changed()), 20);
    await Bun.sleep(50);
    writeFileSync(file, "{}");
    await Bun.sleep(100);
    expect(fired).toBe(0);
    writeFileSync(file, '{"a":1}');
    await seen;
    stop();
    expect(fired).toBe(1);
  });
});

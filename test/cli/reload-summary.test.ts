import { describe, expect, test } from "bun:test";
import { describe as changes } from "../../src/cli/reload-summary.ts";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";

const rt = (members: string[], paths: string[]) => compile(parseConfigText(JSON.stringify({
  listeners: [{ port: 0 }],
  pools: { web: { members: members.map((url) => ({ url })) } },
  routes: paths.map((path) => ({ path, pool: "web" })),
})), { file: "/x/routes.json" });

describe("the reload's log line", () => {
  test("the log line names a kept member whose weight or state routes.json changed", () => {
    const cfg = (weight: number, state: string) => compile(parseConfigText(JSON.stringify({
      listeners: [{ port: 0 }], pools: { web: { members: [{ url: "http://10.0.0.1:80", weight, state }, { url: "http://10.0.0.2:80" }] } }, routes: [{ path: "/", pool: "web" }],
    })), { file: "/x/routes.json" });
    const a = cfg(1, "active");
    const b = cfg(3, "drain");
    expect(changes(a, b)).toContain("members ~web http://10.0.0.1/ weight 1 state active -> weight 3 state drain;");
    const same = cfg(1, "active");
    expect(changes(a, same)).toContain("members unchanged");
    for (const r of [a, b, same]) r.close();
  });

  test("the log line names a kept pool whose settings changed (sticky, health, method), not only added and removed ones", () => {
    const cfg = (extra: object) => compile(parseConfigText(JSON.stringify({
      listeners: [{ port: 0 }], pools: { web: { members: [{ url: "http://10.0.0.1:80" }], ...extra } }, routes: [{ path: "/", pool: "web" }],
    })), { file: "/x/routes.json" });
    const a = cfg({});
    const b = cfg({ sticky: { cookie: "JSESSIONID", mode: "insert" }, method: "bybusyness" });
    expect(changes(a, b)).toContain("pools ~web method sticky;");
    expect(changes(a, cfg({}))).toContain("pools unchanged");
    a.close();
    b.close();
  });

  test("the log line names routes and members added and removed", () => {
    const a = rt(["http://10.0.0.1:80", "http://10.0.0.2:80"], ["/"]);
    const b = rt(["http://10.0.0.2:80", "http://10.0.0.3:80"], ["/", "/api"]);
    const line = changes(a, b);
    expect(line).toContain("routes +*/api->web");
    expect(line).toContain("members +web http://10.0.0.3/ -web http://10.0.0.1/");
    expect(line).toContain("pools unchanged");
    expect(changes(a, a)).toBe("routes unchanged; pools unchanged; members unchanged; listeners unchanged");
    a.close();
    b.close();
  });

  test("the log line names the listeners added and removed by their address", () => {
    const a = rt(["http://10.0.0.1:80"], ["/"]);
    expect(changes(a, a, { added: ["http://127.0.0.1:8081/"], removed: ["https://127.0.0.1:8443/"] })).toEndWith("listeners +http://127.0.0.1:8081/ -https://127.0.0.1:8443/");
    a.close();
  });

});

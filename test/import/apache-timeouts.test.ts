import { describe, expect, test } from "bun:test";
import { backendTimeout } from "../../src/import/apache-timeouts.ts";
import { collect } from "../../src/import/apache.ts";
import { lexApache } from "../../src/import/apache-lexer.ts";
import { Report } from "../../src/import/report.ts";
import { convert, pools, routes } from "./convert.ts";
import { parseConfigText } from "../../src/config/load.ts";

describe("apache timeouts", () => {
  test("a server waits ProxyTimeout for a member, else Timeout, in either order; KeepAliveTimeout 250ms is milliseconds", () => {
    const c = convert("apache", "KeepAliveTimeout 250ms\n<VirtualHost *:80>\nProxyTimeout 5\nTimeout 2\n</VirtualHost>\n<VirtualHost *:81>\nTimeout 3\n</VirtualHost>\n");
    const report = new Report();
    const m = collect(lexApache(c.file, report), report);
    expect(m.vhosts.map(backendTimeout)).toEqual([5000, 3000]);
    expect(m.clientTimeouts.map((t) => [t.field, t.ms])).toEqual([["keepAlive", 250]]);
  });

  test("plain ProxyPasses to one host:port share its pool, and each keeps its own timeout= on its route", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPass /oauth2 http://h:1/oauth2 timeout=2\nProxyPass /carbon http://h:1/carbon timeout=30\nProxyPass /plain http://h:1/plain\n</VirtualHost>\n");
    const rs = routes(c);
    expect(rs.map((r) => [r.path, r.pool, (r.timeouts as { response?: string } | undefined)?.response])).toEqual([["/oauth2", "h-1", undefined], ["/carbon", "h-1", "30s"], ["/plain", "h-1", "1m"]]);
    expect(pools(c)["h-1"]!.timeouts).toEqual({ connect: "2s", response: "2s", idle: "2s" });
    expect(c.lines.join("\n")).toMatch(/:2: note: ProxyPass \/oauth2 .*httpd answers 502 .*; the proxy answers 504/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });
});

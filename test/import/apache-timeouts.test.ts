import { describe, expect, test } from "bun:test";
import { backendTimeout } from "../../src/import/apache-timeouts.ts";
import { collect } from "../../src/import/apache.ts";
import { lexApache } from "../../src/import/apache-lexer.ts";
import { Report } from "../../src/import/report.ts";
import { convert } from "./convert.ts";

describe("apache timeouts", () => {
  test("a server waits ProxyTimeout for a member, else Timeout, in either order; KeepAliveTimeout 250ms is milliseconds", () => {
    const c = convert("apache", "KeepAliveTimeout 250ms\n<VirtualHost *:80>\nProxyTimeout 5\nTimeout 2\n</VirtualHost>\n<VirtualHost *:81>\nTimeout 3\n</VirtualHost>\n");
    const report = new Report();
    const m = collect(lexApache(c.file, report), report);
    expect(m.vhosts.map(backendTimeout)).toEqual([5000, 3000]);
    expect(m.clientTimeouts.map((t) => [t.field, t.ms])).toEqual([["keepAlive", 250]]);
  });
});

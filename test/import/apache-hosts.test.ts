import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";
import { Router } from "../../src/proxy/router.ts";

const vhost = (names: string[], path: string, member: string) => `<VirtualHost *:80>\n${names.map((n, i) => `${i ? "ServerAlias" : "ServerName"} ${n}\n`).join("")}ProxyPass ${path} http://${member}:1${path}\nProxyPassReverse ${path} http://${member}:1${path}\n</VirtualHost>\n`;
/** Where routes.json sends host + path: the member pool, a respond status, or nothing. */
const where = (json: Parameters<typeof routes>[0], host: string, path: string) => {
  const r = new Router(routes(json) as { host?: string; path: string }[]).match(host, path) as Record<string, unknown> | undefined;
  return r?.pool ?? (r?.respond as { status: number } | undefined)?.status;
};

describe("httpd's vhost choice: the first vhost of the port whose ServerName or ServerAlias matches", () => {
  test("the default vhost's own name is not taken by a later vhost's wildcard alias or the same alias", () => {
    const c = convert("apache", vhost(["am.example.com"], "/", "a") + vhost(["is.example.com", "*.example.com"], "/carbon", "b") + vhost(["gw.local", "am.example.com"], "/api", "c"));
    expect([["am.example.com", "/carbon/x"], ["am.example.com", "/api/x"], ["foo", "/carbon/x"], ["x.example.com", "/x"], ["gw.local", "/api"]].map(([h, p]) => where(c, h!, p!))).toEqual(["a-1", "a-1", "a-1", 404, "c-1"]);
    expect(c.lines.join("\n")).toMatch(/:15: not carried over: ProxyPass \/api http:\/\/c:1\/api: never used for am.example.com on port 80: httpd gives it to the first VirtualHost that matches it, .*main.conf:1$/m);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("a single default vhost gets no host-scoped copies: nothing else could take its names", () => {
    const c = convert("apache", vhost(["a.example"], "/", "a"));
    expect(routes(c).map((r) => r.host)).toEqual([undefined]);
  });

  test("an earlier vhost's wildcard alias wins over a later exact ServerName, whose routes are never used", () => {
    const c = convert("apache", vhost(["default.local"], "/", "a") + vhost(["wso2.example.com", "*.example.com"], "/carbon", "b") + vhost(["api.example.com"], "/", "c"));
    expect([["api.example.com", "/carbon/a"], ["api.example.com", "/x"], ["a.b.example.com", "/carbon"], ["foo", "/x"]].map(([h, p]) => where(c, h!, p!))).toEqual(["b-1", 404, "b-1", "a-1"]);
    expect(c.lines.join("\n")).toMatch(/:14: not carried over: ProxyPass \/ http:\/\/c:1\/: never used: this VirtualHost answers no request; httpd gives api.example.com on port 80 to the first VirtualHost that matches it, .*main.conf:6$/m);
  });

  test("an earlier wildcard also takes a later, narrower wildcard", () => {
    const c = convert("apache", vhost(["default.local"], "/", "a") + vhost(["*.example.com"], "/carbon", "b") + vhost(["*.api.example.com"], "/", "c"));
    expect([where(c, "x.api.example.com", "/carbon"), where(c, "x.api.example.com", "/x")]).toEqual(["b-1", 404]);
  });

  test("the same ServerName in two vhosts of a port: only the first is used; the second's routes are reported, not merged", () => {
    const c = convert("apache", vhost(["default.local"], "/", "a") + vhost(["is.example.com"], "/oauth2", "b") + vhost(["is.example.com"], "/scim2", "c"));
    expect([["is.example.com", "/oauth2/x"], ["is.example.com", "/scim2/x"], ["is.example.com", "/x"]].map(([h, p]) => where(c, h!, p!))).toEqual(["b-1", 404, 404]);
    expect(c.lines.join("\n")).toMatch(/:13: not carried over: ProxyPass \/scim2 .*: never used: this VirtualHost answers no request; httpd gives is.example.com on port 80/);
  });

  test("a vhost whose every name an earlier vhost has is never used: each of its directives is reported, nothing of it written", () => {
    const late = "<VirtualHost *:443>\nServerName a.example\nServerAlias b.example\nSSLEngine on\nSSLCertificateFile late.crt\nKeepAliveTimeout 30\nProxyPass /x http://c:1/x\nProxyPassReverse /x http://c:1/x\nHeader set X-A 1\nRequestHeader set X-B 2\nAllowEncodedSlashes On\n<Location /m>\nSetHandler balancer-manager\n</Location>\n</VirtualHost>\n";
    const c = convert("apache", `Listen 443\n${vhost(["a.example"], "/", "a").replace(":80", ":443")}${vhost(["b.example"], "/", "b").replace(":80", ":443")}${late}`);
    const lost = c.lines.filter((l) => l.includes("never used: this VirtualHost answers no request; httpd gives each of its names to the first VirtualHost that matches it: a.example on port 443 (/"));
    expect(lost.map((l) => Number(l.split(":")[1]))).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    expect(lost[0]).toMatch(/main.conf:2\), b.example on port 443 \(.*main.conf:7\)$/);
    expect(c.lines.filter((l) => /:(1[2-9]|2\d): note:/.test(l))).toEqual([]);
    expect([routes(c).map((r) => r.pool), JSON.stringify(c.json.listeners), c.json.admin]).toEqual([["a-1", "b-1"], JSON.stringify([{ port: 443 }]), undefined]);
    expect((c.json.clientTimeouts as { keepAlive: string }).keepAlive).toBe("5s");
  });

  test("a vhost that is the default of one of its ports is used, and keeps its directives there", () => {
    const c = convert("apache", `Listen 80\nListen 81\n${vhost(["a.example"], "/", "a")}<VirtualHost *:80 *:81>\nServerName a.example\nProxyPass /x http://c:1/x\nHeader set X-A 1\n</VirtualHost>\n`);
    expect(routes(c).filter((r) => r.pool === "c-1").map((r) => [r.host, r.ports, r.responseHeaders])).toEqual([[undefined, [81], { set: { "X-A": "1" } }]]);
    expect(c.lines.join("\n")).not.toMatch(/answers no request/);
  });
});

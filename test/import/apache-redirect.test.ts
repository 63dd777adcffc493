import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../src/config/load.ts";
import { convert, routes } from "./convert.ts";

const vhost = (body: string) => `<VirtualHost *:80>\n${body}\nProxyPass /api http://h:1/api\nProxyPassReverse /api http://h:1/api\n</VirtualHost>\n`;
const redirects = (c: ReturnType<typeof convert>) => routes(c).filter((r) => r.redirect).map((r) => [r.path, r.redirect]);

describe("Apache Redirect as routes with keepPath", () => {
  test("Redirect, RedirectPermanent, RedirectTemp and a numeric status keep the rest of the path and the query, without notes when the slashes agree", () => {
    const c = convert("apache", vhost("Redirect 307 /old https://new.example/x\nRedirectPermanent /p https://new.example\nRedirectTemp /t/ https://new.example/t/\nRedirect seeother /s https://new.example/s"));
    expect(redirects(c)).toEqual([
      ["/old", { to: "https://new.example/x", status: 307, keepPath: true }], ["/p", { to: "https://new.example", status: 301, keepPath: true }],
      ["/t", { to: "https://new.example/t/", status: 302, keepPath: true }], ["/s", { to: "https://new.example/s", status: 303, keepPath: true }],
    ]);
    expect(c.lines).toEqual(["main.conf:4: note: RedirectTemp /t/ https://new.example/t/: httpd redirects only /t/ and what is under it; routes.json redirects /t too"]);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("when only one of URL-path and URL ends in / httpd glues the rest on as it is; the one-slash join is noted with an example", () => {
    const c = convert("apache", vhost("Redirect /a https://n.example/x/\nRedirect /b/ https://n.example/x"));
    expect(redirects(c)).toEqual([["/a", { to: "https://n.example/x/", status: 302, keepPath: true }], ["/b", { to: "https://n.example/x", status: 302, keepPath: true }]]);
    const text = c.lines.join("\n");
    expect(text).toContain("main.conf:2: note: Redirect /a https://n.example/x/: httpd appends the rest of the path as it is: /a/a goes to https://n.example/x//a; routes.json joins them with one slash: https://n.example/x/a");
    expect(text).toContain("main.conf:3: note: Redirect /b/ https://n.example/x: httpd appends the rest of the path as it is: /b/a goes to https://n.example/xa; routes.json joins them with one slash: https://n.example/x/a");
  });

  test("a URL with a query redirects to exactly that URL, noted, since keepPath cannot append after a query", () => {
    const c = convert("apache", vhost("Redirect /f https://n.example/x?k=v"));
    expect(redirects(c)).toEqual([["/f", { to: "https://n.example/x?k=v", status: 302 }]]);
    expect(c.lines.join("\n")).toMatch(/:2: note: .*routes.json redirects to exactly https:\/\/n.example\/x\?k=v: httpd appends the rest of the path after the query/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("RedirectMatch ^/p/(.*)$ URL$1 and ^(.*)$ URL$1 are prefix Redirects; other regexes are reported", () => {
    const c = convert("apache", vhost("RedirectMatch 301 ^/p/(.*)$ https://n.example/q/$1\nRedirectMatch ^(.*)$ https://m.example$1\nRedirectMatch ^/old(.*)$ https://n.example$1\nRedirectMatch \\.php$ https://n.example/"));
    expect(redirects(c)).toEqual([["/p", { to: "https://n.example/q/", status: 301, keepPath: true }], ["/", { to: "https://m.example/", status: 302, keepPath: true }]]);
    const text = c.lines.join("\n");
    expect(text).toMatch(/:4: not carried over: RedirectMatch \^\/old\(\.\*\)\$ https:\/\/n.example\$1: only RedirectMatch \^\/prefix\/\(\.\*\)\$ URL\$1/);
    expect(text).toMatch(/:5: not carried over: RedirectMatch/);
  });

  test("a Redirect under a ProxyPass prefix is never used, as mod_proxy translates the URL before mod_alias; under ProxyPass ! it redirects", () => {
    const c = convert("apache", vhost("Redirect /api/old https://n.example/\nProxyPass /api/keep !\nRedirect /api/keep/x https://n.example/k"));
    expect(redirects(c)).toEqual([["/api/keep/x", { to: "https://n.example/k", status: 302, keepPath: true }]]);
    expect(c.lines.join("\n")).toContain("main.conf:2: not carried over: Redirect /api/old https://n.example/: never used: httpd proxies these paths first, ProxyPass /api http://h:1/api (line 5)");
  });

  test("a main-server Redirect is merged into every vhost after its own, as mod_alias does; under an earlier Redirect of the vhost it is never used there", () => {
    const c = convert("apache", `Redirect /legacy https://new.example/portal\n<VirtualHost *:80>\nServerName a.example\nRedirect permanent / https://a.example:8443/\nProxyPass /x http://h:1/x\n</VirtualHost>\n${vhost("ServerName b.example")}`);
    expect(routes(c).filter((r) => r.redirect).map((r) => [r.host, r.path, (r.redirect as { to: string }).to])).toEqual([
      [undefined, "/", "https://a.example:8443/"], ["b.example", "/legacy", "https://new.example/portal"],
    ]);
    expect(c.lines.join("\n")).toMatch(/main.conf:1: not carried over: Redirect \/legacy https:\/\/new.example\/portal: never used in the vhost of a.example: mod_alias takes the first match, Redirect permanent \/ https:\/\/a.example:8443\/ \(.*main.conf:4\)/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });
});

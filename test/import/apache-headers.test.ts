import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";

const vhost = (body: string) => `<VirtualHost *:80>\n${body}\nProxyPass / http://h:1/\nProxyPassReverse / http://h:1/\n</VirtualHost>\n`;

describe("Header, RequestHeader and the method-forbidding rewrite", () => {
  test("RequestHeader unset Content-Length, Header set Connection and RequestHeader unset Host are skipped and reported: routes.json refuses them", () => {
    const c = convert("apache", vhost("RequestHeader unset Content-Length\nHeader set Connection close\nRequestHeader unset Host\nRequestHeader set X-B 2"));
    expect(routes(c)[0]!.requestHeaders).toEqual({ set: { "X-B": "2" } });
    expect(routes(c)[0]!.responseHeaders).toBeUndefined();
    const text = c.lines.join("\n");
    expect(text).toContain("Content-Length is written by the proxy itself");
    expect(text).toContain("Connection is written by the proxy itself");
    expect(text).toContain("a request to a member always carries Host");
  });

  test("set, add, unset, edit and edit* become responseHeaders; RequestHeader becomes requestHeaders", () => {
    const c = convert("apache", vhost('Header always set X-Frame-Options DENY\nHeader add X-A "1"\nHeader unset Server\nHeader edit* Set-Cookie "^(.*)$" "$1; Secure"\nRequestHeader set X-Forwarded-Port 443\nRequestHeader unset Proxy'));
    expect(routes(c)[0]).toMatchObject({
      responseHeaders: { set: { "X-Frame-Options": "DENY" }, add: { "X-A": "1" }, remove: ["Server"], edit: [{ name: "Set-Cookie", match: "^(.*)$", replace: "$1; Secure", all: true }] },
      requestHeaders: { set: { "X-Forwarded-Port": "443" }, remove: ["Proxy"] },
    });
    expect(c.lines).toEqual([expect.stringMatching(/^main.conf:2: note: Header always set X-Frame-Options DENY: always: /)]);
  });

  test("the seeds' Header edit Location ^http https becomes the safe ^http:// -> https:// with a note", () => {
    const c = convert("apache", vhost("Header edit Location ^http https"));
    expect(routes(c)[0]!.responseHeaders).toEqual({ edit: [{ name: "Location", match: "^http://", replace: "https://" }] });
    expect(c.lines).toEqual([
      expect.stringMatching(/^main.conf:2: note: Header edit Location \^http https: .*httpss/),
      expect.stringMatching(/^main.conf:2: note: Header edit Location \^http https: TLS ends in front of httpd here: .*list the load balancer's addresses there$/),
    ]);
  });

  test("mod_remoteip's trusted proxies become trustedProxies (and the TLS-offload note is not needed then); another header than X-Forwarded-For is reported", () => {
    const c = convert("apache", vhost("Header edit Location ^http https\nRemoteIPHeader X-Client-IP\nRemoteIPTrustedProxy 10.0.0.0/8 192.0.2.7\nRemoteIPInternalProxy lb.example.com"));
    expect(c.json.trustedProxies).toEqual(["10.0.0.0/8", "192.0.2.7"]);
    const t = c.lines.join("\n");
    expect(t).not.toContain("TLS ends in front");
    expect(t).toMatch(/:3: not carried over: RemoteIPHeader X-Client-IP: routes.json reads a trusted proxy's client address from X-Forwarded-For only/);
    expect(t).toMatch(/:4: note: RemoteIPTrustedProxy .*became trustedProxies/);
    expect(t).toMatch(/:5: not carried over: RemoteIPInternalProxy lb.example.com: lb.example.com: trustedProxies takes IP addresses and CIDRs only/);
  });

  test("append is carried as a second field with a note; conditions and format specifiers are reported", () => {
    const c = convert("apache", vhost('Header append Vary Accept\nHeader set X-T "%D" \nHeader set X-E 1 env=FOO'));
    expect(routes(c)[0]!.responseHeaders).toEqual({ add: { Vary: "Accept" } });
    expect(c.lines.join("\n")).toMatch(/:2: note: Header append Vary Accept: append joins/);
    expect(c.lines.join("\n")).toMatch(/:3: not carried over: .*format specifiers/);
    expect(c.lines.join("\n")).toMatch(/:4: not carried over: .*the condition env=FOO/);
  });

  test("RewriteCond %{REQUEST_METHOD} ^(TRACE|OPTIONS) + RewriteRule .* - [F] denies those methods on every route", () => {
    const c = convert("apache", vhost("RewriteEngine On\nRewriteCond %{REQUEST_METHOD} ^(TRACE|OPTIONS)\nRewriteRule .* - [F]\nProxyPass /x !"));
    expect(routes(c).map((r) => r.denyMethods)).toEqual([["TRACE", "OPTIONS"], ["TRACE", "OPTIONS"]]);
  });

  test("RewriteRule .* - [F] without a condition forbids everything (403 routes, with a note); other rules are reported", () => {
    const c = convert("apache", vhost("RewriteEngine On\nRewriteRule .* - [F]"));
    expect(routes(c)).toEqual([{ path: "/", respond: { status: 403 } }]);
    const other = convert("apache", "<VirtualHost *:80>\nRewriteEngine On\nRewriteRule .* - [F]\nProxyPass /is-x http://h:1/x\n</VirtualHost>\n");
    expect(routes(other)).toEqual([{ path: "/is-x", respond: { status: 403 } }, { path: "/", respond: { status: 403 } }]);
    const d = convert("apache", vhost("RewriteEngine On\nRewriteCond %{HTTP_HOST} ^x\nRewriteRule ^/a /b [R]\nRewriteRule .* - [F]"));
    expect(d.lines.join("\n")).toMatch(/:3: not carried over: RewriteCond %\{HTTP_HOST\} \^x: belongs to a RewriteRule/);
    expect(d.lines.join("\n")).toMatch(/:4: not carried over: RewriteRule \^\/a \/b \[R\]: only RewriteRule/);
  });

  test("a rule while RewriteEngine is off is reported as ignored, as httpd ignores it", () => {
    const c = convert("apache", vhost("RewriteRule .* - [F]"));
    expect(routes(c)[0]!.respond).toBeUndefined();
    expect(c.lines.join("\n")).toMatch(/RewriteEngine is not On/);
  });
});

describe("httpd's regular expressions", () => {
  test("a leading (?i) is spelled out per letter; an escape stays whole; what a RegExp cannot read is reported, and the import goes on", async () => {
    const { jsPattern } = await import("../../src/import/apache-headers.ts");
    expect(jsPattern("(?i)path=/app")).toBe("[pP][aA][tT][hH]=/[aA][pP][pP]");
    expect(new RegExp(jsPattern("(?i)path=/app")!).test("PATH=/APP")).toBe(true);
    expect(jsPattern("(?i)\\x41\\bx")).toBe("\\x41\\b[xX]");
    expect([jsPattern("(?i)[a-z]"), jsPattern("a++"), jsPattern("(?<n>a)")]).toEqual([undefined, undefined, "(?<n>a)"]);
    const c = convert("apache", vhost('Header edit Set-Cookie "(?i)path=/app" "path=/"\nHeader edit Location "a++" "b"'));
    expect(routes(c)[0]!.responseHeaders).toEqual({ edit: [{ name: "Set-Cookie", match: "[pP][aA][tT][hH]=/[aA][pP][pP]", replace: "path=/" }] });
    expect(c.lines.join("\n")).toMatch(/:3: not carried over: Header edit Location "a\+\+" "b": "a\+\+" is PCRE that a JavaScript RegExp does not read/);
  });
});

describe("what mod_proxy writes after mod_headers", () => {
  test("RequestHeader unset X-Forwarded-For is the proxy's own behaviour, noted; set is reported, since a rule would replace the proxy's value", () => {
    const c = convert("apache", vhost("RequestHeader unset X-Forwarded-For\nRequestHeader set X-Forwarded-Host edge.example\nRequestHeader set X-Forwarded-Proto https"));
    expect(routes(c)[0]!.requestHeaders).toEqual({ set: { "X-Forwarded-Proto": "https" } });
    const t = c.lines.join("\n");
    expect(t).toMatch(/:2: note: RequestHeader unset X-Forwarded-For: the proxy writes X-Forwarded-For itself/);
    expect(t).toMatch(/:3: not carried over: RequestHeader set X-Forwarded-Host edge.example: mod_proxy appends its own X-Forwarded-Host after this rule/);
  });

  test("Header always: carried over, with a note that the proxy's own answers do not get it", () => {
    const c = convert("apache", vhost('Header always set Strict-Transport-Security "max-age=31536000"'));
    expect(routes(c)[0]!.responseHeaders).toEqual({ set: { "Strict-Transport-Security": "max-age=31536000" } });
    expect(c.lines.join("\n")).toMatch(/:2: note: Header always set .*not to the proxy's own answers/);
  });
});

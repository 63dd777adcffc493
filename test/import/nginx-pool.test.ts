import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, pools, routes } from "./convert.ts";

const up = "upstream app {\nserver a:1;\nserver b:1;\nserver c:1;\n}\n";
const server = (locations: string) => `${up}server {\nlisten 80;\n${locations}\n}\n`;

describe("locations proxying to one upstream with different per-pool settings", () => {
  test("a location with other proxy_next_upstream tries gets its own pool of the same servers, with a note", () => {
    const c = convert("nginx", server("location /a { proxy_pass http://app; }\nlocation /b { proxy_pass http://app; proxy_next_upstream off; }\nlocation /c { proxy_pass http://app; proxy_next_upstream_tries 2; }"));
    expect(routes(c).map((r) => r.pool)).toEqual(["app", "app-2", "app-3"]);
    expect([pools(c).app!.retries, pools(c)["app-2"]!.retries, pools(c)["app-3"]!.retries]).toEqual([2, 0, 1]);
    expect(pools(c)["app-2"]!.members).toEqual(pools(c).app!.members);
    expect(c.lines.join("\n")).toMatch(/:9: note: proxy_pass http:\/\/app: pool app-2: this location's proxy_next_upstream \/ proxy_next_upstream_tries differ from the location at .*:8, .*passive health is counted apart/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("locations with the same settings share one pool; their own timeouts go on each route", () => {
    const c = convert("nginx", server("location /a { proxy_pass http://app; proxy_read_timeout 5s; }\nlocation /b { proxy_pass http://app; proxy_connect_timeout 2s; }"));
    expect(routes(c).map((r) => [r.pool, r.timeouts])).toEqual([["app", { response: "5s", idle: "5s" }], ["app", { connect: "2s" }]]);
    expect(Object.keys(pools(c))).toEqual(["app"]);
  });

  test("https members verified in one location and not in another are two pools", () => {
    const c = convert("nginx", server("location /a { proxy_pass https://app; }\nlocation /b { proxy_pass https://app; proxy_ssl_verify on; proxy_ssl_trusted_certificate /etc/ca.pem; }"));
    expect(routes(c).map((r) => r.pool)).toEqual(["app", "app-2"]);
    expect([pools(c).app!.tls, pools(c)["app-2"]!.tls]).toEqual([{ verify: false }, { verify: true, ca: "/etc/ca.pem" }]);
    expect(c.lines.join("\n")).toMatch(/pool app-2: this location's proxy_ssl_\* settings differ/);
  });

  test("proxy_ssl_certificate and proxy_ssl_certificate_key become the pool's tls.cert and tls.key", () => {
    const c = convert("nginx", server("location / { proxy_pass https://app; proxy_ssl_verify on; proxy_ssl_trusted_certificate /etc/ca.pem; proxy_ssl_certificate /etc/client.crt; proxy_ssl_certificate_key /etc/client.key; }"));
    expect(pools(c).app!.tls).toEqual({ verify: true, ca: "/etc/ca.pem", cert: "/etc/client.crt", key: "/etc/client.key" });
    expect(c.lines.join("\n")).not.toMatch(/proxy_ssl_certificate/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("proxy_ssl_password_file becomes tls.passphraseFile beside the key (one passphrase, noted); without a key it is reported", () => {
    const c = convert("nginx", server("location / { proxy_pass https://app; proxy_ssl_certificate /etc/client.crt; proxy_ssl_certificate_key /etc/client.key; proxy_ssl_password_file /etc/client.pass; }"));
    expect(pools(c).app!.tls).toEqual({ verify: false, cert: "/etc/client.crt", key: "/etc/client.key", passphraseFile: "/etc/client.pass" });
    expect(c.lines.join("\n")).toMatch(/proxy_ssl_password_file.*NGINX tries each line of the file; passphraseFile is one passphrase/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
    const alone = convert("nginx", server("location / { proxy_pass https://app; proxy_ssl_password_file /etc/client.pass; }"));
    expect(pools(alone).app!.tls).toEqual({ verify: false });
    expect(alone.lines.join("\n")).toMatch(/not carried over: proxy_ssl_password_file .*no proxy_ssl_certificate_key here for it to decrypt/);
  });

  test("a proxy_ssl_certificate named by a variable is reported, not copied as a file name", () => {
    const c = convert("nginx", server("location / { proxy_pass https://app; proxy_ssl_certificate /etc/certs/$host.crt; proxy_ssl_certificate_key /etc/certs/$host.key; }"));
    expect(pools(c).app!.tls).toEqual({ verify: false });
    expect(c.lines.join("\n")).toMatch(/not carried over: proxy_ssl_certificate .*certificates named by variables are not converted/);
    const half = convert("nginx", server("location / { proxy_pass https://app; proxy_ssl_certificate /etc/c.crt; proxy_ssl_certificate_key data:$client_key; }"));
    expect(pools(half).app!.tls).toEqual({ verify: false });
  });

  test("proxy_next_upstream beyond error and timeout (http_502, non_idempotent) is reported; a list without error is noted", () => {
    const c = convert("nginx", server("location /a { proxy_pass http://app; proxy_next_upstream error timeout http_502 http_503 non_idempotent; }\nlocation /b { proxy_pass http://app; proxy_next_upstream timeout; }"));
    expect(routes(c).map((r) => r.pool)).toEqual(["app", "app"]);
    const text = c.lines.join("\n");
    expect(text).toMatch(/:8: not carried over: proxy_next_upstream .*http_502 http_503: routes.json tries another member only when none answered .* a member's own 502\/503 answer reaches the client/);
    expect(text).toMatch(/:8: not carried over: proxy_next_upstream .*non_idempotent: routes.json never resends a POST/);
    expect(text).toMatch(/:9: note: proxy_next_upstream timeout: routes.json retries also after error, which this list leaves out/);
  });
});

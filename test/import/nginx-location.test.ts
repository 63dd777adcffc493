import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";

const server = (body: string, head = "") => `${head}server {\nlisten 80;\n${body}\n}\n`;

describe("nginx locations as routes", () => {
  test("proxy_pass with a URI part sets rewritePrefix; without one the path is sent unchanged", () => {
    const c = convert("nginx", server("location /api/ { proxy_pass http://h:1/v1/; }\nlocation /raw { proxy_pass http://h:1; }"));
    expect(routes(c).map((r) => [r.path, r.rewritePrefix])).toEqual([["/api", "/v1/"], ["/raw", undefined]]);
    expect(c.lines.join("\n")).toMatch(/routes.json matches \/api and everything under it/);
  });

  test("Host: $proxy_host (the default) is preserveHost false; $host and $http_host keep the client's Host", () => {
    const c = convert("nginx", server("location /a { proxy_pass http://h:1; }\nlocation /b { proxy_pass http://h:1; proxy_set_header Host $http_host; }"));
    expect(routes(c).map((r) => r.preserveHost)).toEqual([false, undefined]);
  });

  test("a location that sets proxy_set_header inherits none from the server, as NGINX; the lost ones are noted", () => {
    const c = convert("nginx", server("proxy_set_header X-Forwarded-Port 443;\nlocation / { proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Gone \"\"; proxy_pass http://h:1; }\nlocation /in { proxy_pass http://h:1; }"));
    expect(routes(c).map((r) => r.requestHeaders)).toEqual([{ set: { "X-Real-IP": "{client_ip}" }, remove: ["X-Gone"] }, { set: { "X-Forwarded-Port": "443" } }]);
    expect(c.lines.join("\n")).toMatch(/:3: note: proxy_set_header X-Forwarded-Port 443: not inherited/);
  });

  test("Connection \"\" (NGINX's keep-alive idiom) and other framing fields become no rule, with a note; the proxy writes them itself", () => {
    const c = convert("nginx", server('location / { proxy_set_header Connection ""; proxy_set_header Content-Length 3; proxy_set_header X-A 1; proxy_pass http://h:1; }'));
    expect(routes(c).map((r) => r.requestHeaders)).toEqual([{ set: { "X-A": "1" } }]);
    expect(c.lines.join("\n")).toMatch(/note: proxy_set_header Connection "?"?: Connection is written by the proxy itself/);
  });

  test("client_max_body_size defaults to NGINX's 1m; 0 lifts it; read and connect timeouts go on the route", () => {
    const c = convert("nginx", server("location /a { proxy_pass http://h:1; }\nlocation /b { client_max_body_size 0; proxy_pass http://h:1; proxy_read_timeout 5m; proxy_connect_timeout 2s; }\nlocation /c { client_max_body_size 20m; proxy_pass http://h:1; }"));
    expect(routes(c).map((r) => [r.maxBodySize, r.timeouts])).toEqual([["1MB", undefined], [undefined, { connect: "2s", response: "5m", idle: "5m" }], ["20MB", undefined]]);
  });

  test("proxy_redirect off, http:// https:// and URL -> path convert; return gives respond or redirect", () => {
    const c = convert("nginx", server("location /a { proxy_pass http://h:1; proxy_redirect off; }\nlocation /b { proxy_pass http://h:1; proxy_redirect http:// https://; }\nlocation /c { proxy_pass http://h:1; proxy_redirect https://other:9443/ /c; }\nlocation /d { return 403; }\nlocation /e { return 302 https://x.example/; }"));
    expect(routes(c).map(({ path, reverse, responseHeaders, reverseAlso, respond, redirect }) => ({ path, reverse, responseHeaders, reverseAlso, respond, redirect }))).toEqual([
      { path: "/a", reverse: false },
      { path: "/b", responseHeaders: { edit: [{ name: "Location", match: "^http://", replace: "https://" }] } },
      { path: "/c", reverseAlso: ["https://other:9443/"] },
      { path: "/d", respond: { status: 403 } },
      { path: "/e", redirect: { to: "https://x.example/", status: 302 } },
    ] as never);
  });

  test("exact, regex and named locations, variables in proxy_pass and file-serving locations are reported", () => {
    const c = convert("nginx", server("location = /x { proxy_pass http://h:1; }\nlocation ~ \\.php$ { proxy_pass http://h:1; }\nlocation @n { proxy_pass http://h:1; }\nlocation /v { proxy_pass http://$backend; }\nlocation /static { root /srv; }\nlocation / { proxy_pass http://h:1; }"));
    expect(routes(c).map((r) => r.path)).toEqual(["/"]);
    const t = c.lines.join("\n");
    for (const re of [/:3: .*exact-match location cannot be a routes.json prefix/, /:4: .*regex locations/, /:5: .*named locations/, /:6: .*without variables/, /:7: .*NGINX serves files here/]) expect(t).toMatch(re);
  });

  test("an upstream proxy_pass maps the upstream-name URL back too (proxy_redirect default), with a note", () => {
    const c = convert("nginx", server("location / { proxy_pass https://up; }", "upstream up { server 10.0.0.1:9443; }\n"));
    expect(routes(c)[0]!.reverseAlso).toEqual(["https://up/"]);
    expect(c.lines.join("\n")).toMatch(/proxy_redirect default maps only https:\/\/up\//);
    expect(c.lines.join("\n")).toMatch(/NGINX sends Host: up/);
  });

  test("under a sub-path, proxy_pass without a URI: the note says NGINX maps http://NAME/ to / and what stays unmapped", () => {
    const c = convert("nginx", server("location /iph/ { proxy_pass http://iph; }", "upstream iph { server 10.0.0.1:8080; }\n"));
    expect(routes(c)[0]!.reverseAlso).toEqual(["http://iph/iph"]);
    expect(c.lines.join("\n")).toContain("NGINX's proxy_redirect default maps http://iph/ to /; routes.json maps http://iph/iph back to /iph, so a redirect to another path under http://iph/ reaches the client unchanged");
  });

  test("set_real_ip_from becomes trustedProxies; without it, X-Forwarded-For $proxy_add_x_forwarded_for says whose values are kept", () => {
    const trusted = convert("nginx", server("set_real_ip_from 10.0.0.0/8;\nset_real_ip_from unix:;\nreal_ip_header X-Forwarded-For;\nreal_ip_recursive on;\nlocation / { proxy_pass http://h:1; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }"));
    expect(trusted.json.trustedProxies).toEqual(["10.0.0.0/8"]);
    const t = trusted.lines.join("\n");
    expect(t).toMatch(/:3: note: set_real_ip_from 10.0.0.0\/8: became trustedProxies/);
    expect(t).toMatch(/:4: not carried over: set_real_ip_from unix:: unix:: trustedProxies takes IP addresses and CIDRs only/);
    expect(t).not.toMatch(/:[56]: /);
    expect(t).not.toContain("NGINX appends to the X-Forwarded-For");
    const open = convert("nginx", server("location / { proxy_pass http://h:1; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }"));
    expect(open.json.trustedProxies).toBeUndefined();
    expect(open.lines.join("\n")).toMatch(/:3: note: proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for: NGINX appends to the X-Forwarded-For any client sends; .*list its addresses in trustedProxies/);
  });

  test("$server_name in proxy_set_header is the server's first name, whatever Host the client sent; $host is the client's", () => {
    const c = convert("nginx", "server { listen 80; server_name Site.example.com alias.example.com; location / { proxy_pass http://h:1; proxy_set_header X-Server $server_name; proxy_set_header X-Host $host; } }\n");
    for (const r of routes(c)) expect(r.requestHeaders).toEqual({ set: { "X-Server": "site.example.com", "X-Host": "{host}" } });
  });

  test("proxy_pass routes allow encoded slashes, as NGINX passes %2F on; return routes do not need it", () => {
    const c = convert("nginx", "server { listen 80; location /a { proxy_pass http://a:1; } location /b { return 403; } }\n");
    expect(routes(c).map((r) => r.allowEncodedSlashes)).toEqual([true, undefined]);
  });

  test("a read or connect timeout of 0 is not carried over (routes.json timeouts are more than 0); the output still loads", () => {
    const c = convert("nginx", server("location / { proxy_pass http://h:1; proxy_read_timeout 0; proxy_connect_timeout 3s; }"));
    expect(routes(c)[0]!.timeouts).toEqual({ connect: "3s" });
    expect(c.lines.join("\n")).toMatch(/not carried over: proxy_read_timeout 0: 0 is not converted/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });
});

describe("odd locations are reported, never a broken routes.json or a crash", () => {
  test("a location without a prefix, and a proxy_pass or server with a port above 65535, are skipped with their reason", () => {
    const c = convert("nginx", server("location / { proxy_pass http://127.0.0.1:1; }\nlocation { proxy_pass http://127.0.0.1:2; }\nlocation /x { proxy_pass http://127.0.0.1:99999; }", "upstream u { server 127.0.0.1:70000; server 127.0.0.1:3; }\n"));
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
    const text = c.lines.join("\n");
    expect(text).toContain("a location needs a prefix");
    expect(text).toContain("proxy_pass http://127.0.0.1:99999: proxy_pass needs");
    expect(text).toContain('"127.0.0.1:70000" is not a host[:port]');
  });

  test("a prefix without a trailing slash is noted: NGINX also gives it /apiv2, routes.json only /api and /api/...", () => {
    const c = convert("nginx", server("location / { proxy_pass http://h:1; }\nlocation /api { proxy_pass http://h:2; }\nlocation ^~ /static { proxy_pass http://h:3; }\nlocation /v1/ { proxy_pass http://h:4; }"));
    expect(routes(c).map((r) => r.path)).toEqual(["/", "/api", "/static", "/v1"]);
    const text = c.lines.join("\n");
    expect(text).toMatch(/:4: note: location \/api: NGINX matches every URI that starts with \/api \(also \/apiv2, \/api.json\); routes.json matches \/api at a segment boundary/);
    expect(text).toMatch(/:5: note: location \^~ \/static: NGINX matches every URI that starts with \/static/);
    expect(c.lines.filter((l) => l.includes("starts with") && (l.includes(":3:") || l.includes(":6:")))).toEqual([]);
  });
});

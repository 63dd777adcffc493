import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";

const vhost = (name: string, path: string, member: string, port = 80) => `<VirtualHost *:${port}>\n${name ? `ServerName ${name}\n` : ""}ProxyPass ${path} http://${member}:1/\nProxyPassReverse ${path} http://${member}:1/\n</VirtualHost>\n`;
const hostRoutes = (json: Parameters<typeof routes>[0]) => routes(json).map((r) => [r.host, r.path, r.pool ?? r.respond]);

describe("a named site without a route for / answers the rest of its names itself (404), not the default site", () => {
  test("Apache: a named vhost with only ProxyPass /api gets a 404 / route for its ServerName and ServerAlias, with a note", () => {
    const c = convert("apache", `${vhost("a.example", "/", "a")}<VirtualHost *:80>\nServerName b.example\nServerAlias www.b.example\nProxyPass /api http://b:1/\nProxyPassReverse /api http://b:1/\n</VirtualHost>\n`);
    expect(hostRoutes(c)).toEqual([[undefined, "/", "a-1"], ["b.example", "/api", "b-1"], ["www.b.example", "/api", "b-1"], ["b.example", "/", { status: 404 }], ["www.b.example", "/", { status: 404 }]]);
    expect(c.lines.join("\n")).toMatch(/:6: note: <VirtualHost \*:80>: requests for b.example, www.b.example that match none of its routes answer 404 .*DocumentRoot, never by the default vhost/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("Apache: the default vhost, a named vhost with ProxyPass / and one without a name get no 404 route", () => {
    const c = convert("apache", `${vhost("a.example", "/api", "a")}${vhost("b.example", "/", "b")}${vhost("", "/c", "c")}`);
    expect(routes(c).filter((r) => r.respond)).toEqual([]);
  });

  test("Apache: the same name with / on another port keeps that route there, and the vhost without / gets its 404 on its own port", () => {
    const c = convert("apache", `${vhost("a.example", "/", "a")}${vhost("b.example", "/api", "b")}${vhost("a.example", "/", "a", 81)}${vhost("b.example", "/", "c", 81)}`);
    expect(routes(c).filter((r) => r.host === "b.example" && r.path === "/").map((r) => [r.ports, r.pool ?? r.respond])).toEqual([[[81], "c-1"], [[80], { status: 404 }]]);
    expect(c.lines.join("\n")).not.toMatch(/has no "\/" here|per port/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("Apache: a later vhost on the same port with the same name is never used (httpd takes the first); the first gets its 404", () => {
    const c = convert("apache", `${vhost("a.example", "/", "a")}${vhost("b.example", "/api", "b")}${vhost("b.example", "/", "c")}`);
    expect(routes(c).filter((r) => r.host === "b.example").map((r) => [r.path, r.pool ?? r.respond])).toEqual([["/api", "b-1"], ["/", { status: 404 }]]);
    expect(c.lines.join("\n")).toMatch(/:13: not carried over: ProxyPass \/ http:\/\/c:1\/: never used: this VirtualHost answers no request; httpd gives b.example on port 80 to the first VirtualHost that matches it, .*:6$/m);
  });

  test("NGINX: a named server on two ports without location / gets its 404 on both; another port's / for the name stays apart", () => {
    const c = convert("nginx", "server { listen 80; listen 81; location / { proxy_pass http://a:1; } }\nserver { listen 80; listen 81; server_name b.example; location /api { proxy_pass http://b:1; } }\nserver { listen 82; location / { proxy_pass http://c:1; } }\nserver { listen 82; server_name b.example; location / { proxy_pass http://d:1; } }\n");
    expect(routes(c).filter((r) => r.host === "b.example" && r.path === "/").map((r) => [r.ports, r.pool ?? r.respond])).toEqual([[[82], "d-1"], [[80, 81], { status: 404 }]]);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("NGINX: a server_name server without location / gets a 404 / route for each name; the default server none", () => {
    const c = convert("nginx", "server { listen 80; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name b.example .c.example; location /api { proxy_pass http://b:1; } }\n");
    expect(hostRoutes(c).filter((r) => r[1] === "/")).toEqual([[undefined, "/", "a-1"], ["b.example", "/", { status: 404 }], ["c.example", "/", { status: 404 }], ["*.c.example", "/", { status: 404 }]]);
    expect(c.lines.join("\n")).toMatch(/:2: note: server: requests for b.example, c.example, \*.c.example that match none of its routes answer 404 .*this server's root, never by the default server's locations/);
  });

  test("NGINX: a named server with location / gets no 404 route", () => {
    const c = convert("nginx", "server { listen 80; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name b.example; location / { proxy_pass http://b:1; } location /x { return 404; } }\n");
    expect(routes(c).filter((r) => r.path === "/" && r.respond)).toEqual([]);
  });
});

import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";

const server = (body: string) => `server {\nlisten 80;\n${body}\n}\n`;
const answers = (c: ReturnType<typeof convert>) => routes(c).map((r) => [r.host, r.path, r.respond ?? r.redirect ?? r.pool]);

describe("nginx return, its add_header lines and return 444", () => {
  test("add_header beside return 200 becomes respond.headers; beside a 403 it is not sent, as in NGINX, unless always", () => {
    const c = convert("nginx", server("location /ok { add_header X-A 1; return 200 \"fine\"; }\nlocation /no { add_header X-B 2; return 403; }\nlocation /al { add_header X-C 3 always; return 403; }"));
    expect(answers(c)).toEqual([[undefined, "/ok", { status: 200, body: "fine", headers: { "X-A": "1" } }], [undefined, "/no", { status: 403 }], [undefined, "/al", { status: 403, headers: { "X-C": "3" } }]]);
    expect(c.lines.join("\n")).toMatch(/:4: note: add_header X-B 2: not sent with a return 403, as in NGINX \(without always/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("a redirect with add_header is answered as respond with Location, since routes.json redirects carry no other headers", () => {
    const c = convert("nginx", server("location /old { add_header Cache-Control no-store; return 301 https://x.example/new; }"));
    expect(answers(c)).toEqual([[undefined, "/old", { status: 301, headers: { Location: "https://x.example/new", "Cache-Control": "no-store" } }]]);
  });

  test("return 444 answers 444 with a note that NGINX closes the connection instead", () => {
    const c = convert("nginx", server("location /drop { return 444; }"));
    expect(answers(c)).toEqual([[undefined, "/drop", { status: 444 }]]);
    expect(c.lines.join("\n")).toMatch(/:3: note: return 444: NGINX closes the connection without answering/);
  });

  test("a server-level return answers every request for its names; its locations are reported as never used", () => {
    const c = convert("nginx", "server { listen 80; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name drop.example; return 444; location /x { proxy_pass http://b:1; } }\n");
    expect(answers(c)).toEqual([[undefined, "/", "a-1"], ["drop.example", "/", { status: 444 }]]);
    expect(c.lines.join("\n")).toMatch(/:2: not carried over: location \/x: never used: the server's return 444 \(line 2\) answers every request first/);
  });

  test("directives beside a location's return are reported, proxy_pass as never used", () => {
    const c = convert("nginx", server("location /a { return 204; proxy_pass http://h:1; proxy_cache_valid 1m; }"));
    const text = c.lines.join("\n");
    expect(text).toMatch(/:3: not carried over: proxy_pass http:\/\/h:1: never used: the location's return answers first/);
    expect(text).toMatch(/:3: not carried over: proxy_cache_valid 1m: not converted/);
  });
});

describe("nginx redirect servers and locations on a port where other servers proxy", () => {
  const proxy = "server { listen 80; location / { proxy_pass http://a:1; } }\n";
  test("return 301 https://$host$request_uri becomes a / route with keepPath per exact server_name, noted; a wildcard name is reported", () => {
    const c = convert("nginx", `${proxy}server { listen 80; server_name a.example B.example *.w.example; return 301 https://$host$request_uri; }\n`);
    expect(answers(c)).toEqual([[undefined, "/", "a-1"], ["a.example", "/", { to: "https://a.example/", status: 301, keepPath: true }], ["b.example", "/", { to: "https://b.example/", status: 301, keepPath: true }]]);
    const text = c.lines.join("\n");
    expect(text).toMatch(/:2: note: return 301 https:\/\/\$host\$request_uri: other servers proxy \(or redirect elsewhere\) on port 80: a redirect route with keepPath per server_name/);
    expect(text).toMatch(/:2: not carried over: return 301 .*: under server_name \*\.w\.example \$host is the client's own name/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("a fixed name with a port, and rewrite ^/(.*) and ^(.*) forms, keep the slash NGINX sends", () => {
    const c = convert("nginx", `${proxy}server { listen 80; server_name c.example; return 308 https://n.example:8443$request_uri; }\nserver { listen 80; server_name d.example; rewrite ^/(.*)$ https://d2.example/$1 permanent; }\nserver { listen 80; server_name e.example; rewrite ^(.*)$ https://e2.example$1 redirect; }\n`);
    expect(answers(c).slice(1)).toEqual([
      ["c.example", "/", { to: "https://n.example:8443/", status: 308, keepPath: true }], ["d.example", "/", { to: "https://d2.example/", status: 301, keepPath: true }],
      ["e.example", "/", { to: "https://e2.example/", status: 302, keepPath: true }],
    ]);
  });

  test("as the port's default server a $host redirect is written for its own names and reported for every other host", () => {
    const c = convert("nginx", `server { listen 80 default_server; server_name r.example; return 301 https://$host$request_uri; }\nserver { listen 80; server_name app.example; location / { proxy_pass http://a:1; } }\n`);
    expect(answers(c)).toEqual([["r.example", "/", { to: "https://r.example/", status: 301, keepPath: true }], ["app.example", "/", "a-1"]]);
    expect(c.lines.join("\n")).toMatch(/:1: not carried over: return 301 .*: the server answers other hosts too, and NGINX sends each to its own \$host/);
  });

  test("a location's return 301 https://name$request_uri keeps the location's prefix and the rest", () => {
    const c = convert("nginx", "server { listen 80; location / { proxy_pass http://a:1; } location /old { return 301 https://f2.example$request_uri; } }\n");
    expect(answers(c)).toEqual([[undefined, "/", "a-1"], [undefined, "/old", { to: "https://f2.example/old", status: 301, keepPath: true }]]);
  });
});

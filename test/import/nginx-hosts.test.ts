import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";
import { Router } from "../../src/proxy/router.ts";

/** Where routes.json sends host + path: the member pool, a respond status, or nothing. */
const where = (json: Parameters<typeof routes>[0], port: number, host: string, path: string) => {
  const on = routes(json).filter((r) => !r.ports || (r.ports as number[]).includes(port)) as { host?: string; path: string }[];
  const r = new Router(on).match(host, path) as Record<string, unknown> | undefined;
  return r?.pool ?? (r?.respond as { status: number } | undefined)?.status;
};

describe("NGINX's server choice: exact name, longest wildcard, then the default server; a name's first server only", () => {
  test("the default_server's own name is not taken by another server's wildcard", () => {
    const c = convert("nginx", "server { listen 80; listen 443; server_name .example.com; location /carbon/ { proxy_pass http://a:1; } }\nserver { listen 443 default_server; listen 80; server_name am.example.com; location / { proxy_pass http://b:1; } }\n");
    expect([[443, "am.example.com", "/carbon/x"], [443, "foo", "/carbon/x"], [443, "x.example.com", "/carbon/x"], [443, "x.example.com", "/x"], [80, "am.example.com", "/carbon/x"], [80, "foo", "/x"]].map(([p, h, u]) => where(c, p as number, h as string, u as string))).toEqual(["b-1", "b-1", "a-1", 404, "b-1", undefined]);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("the same server_name in two servers of a port: only the first is used, the second reported", () => {
    const c = convert("nginx", "server { listen 80; server_name default.local; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name is.example.com; location /oauth2/ { proxy_pass http://b:1; } }\nserver { listen 80; server_name is.example.com; location /scim2/ { proxy_pass http://c:1; } location / { proxy_pass http://d:1; } }\n");
    expect([["is.example.com", "/oauth2/x"], ["is.example.com", "/scim2/x"], ["is.example.com", "/x"]].map(([h, u]) => where(c, 80, h!, u!))).toEqual(["b-1", 404, 404]);
    const lost = c.lines.filter((l) => /never used: this server answers no request; NGINX gives is.example.com on port 80 to the first server .*main.conf:2$/.test(l));
    expect(lost.map((l) => l.split(": ")[2])).toEqual(["server", "listen 80", "server_name is.example.com", "location /scim2/", "proxy_pass http://c:1", "location /", "proxy_pass http://d:1"]);
  });

  test("a server with server_name _, \"\" or none that is not the default is never used; as the default it answers every host", () => {
    const c = convert("nginx", "server { listen 80; server_name am.example.com; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name _; location /publisher { return 403; } }\nserver { listen 81; server_name gw.example.com; location /api { proxy_pass http://c:1; } }\nserver { listen 81; listen 80; server_name \"\"; location /metrics { proxy_pass http://d:1; } }\nserver { listen 82; server_name _; location / { proxy_pass http://e:1; } }\n");
    expect([[80, "foo", "/publisher"], [80, "foo", "/metrics"], [81, "foo", "/metrics"], [81, "foo", "/api"], [82, "foo", "/x"]].map(([p, h, u]) => where(c, p as number, h as string, u as string))).toEqual(["a-1", "a-1", undefined, "c-1", "e-1"]);
    const lost = c.lines.filter((l) => l.includes("reached only by a request whose Host is that literal name"));
    expect(lost.map((l) => [l.split(":")[1], l.split(": ")[2], /on (ports? [\d, ]+) a server/.exec(l)?.[1]])).toEqual([["2", "server", "port 80"], ["2", "listen 80", "port 80"], ["2", "server_name _", "port 80"], ["2", "location /publisher", "port 80"], ["2", "return 403", "port 80"], ["4", "server", "ports 81, 80"], ["4", "listen 81", "ports 81, 80"], ["4", "listen 80", "ports 81, 80"], ["4", 'server_name ""', "ports 81, 80"], ["4", "location /metrics", "ports 81, 80"], ["4", "proxy_pass http://d:1", "ports 81, 80"]]);
  });

  test("a server whose every name an earlier server has is never used: each of its directives is reported, nothing of it written", () => {
    const c = convert("nginx", "server { listen 443 ssl; server_name a.example; ssl_certificate a.crt; ssl_certificate_key a.key; location / { proxy_pass http://a:1; } }\nserver {\nlisten 443 ssl;\nserver_name a.example;\nssl_certificate late.crt;\nssl_certificate_key late.key;\nkeepalive_timeout 30s;\nproxy_set_header X-B 2;\nadd_header X-A 1;\nlocation /x {\nproxy_pass http://c:1;\nproxy_redirect http://c:1/ /;\n}\n}\n");
    const lost = c.lines.filter((l) => / never used: this server answers no request; NGINX gives a.example on port 443 to the first server .*main.conf:1$/.test(l));
    expect(lost.map((l) => Number(l.split(":")[1]))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const tls = (c.json.listeners as { tls: { certificates: { cert: string }[] } }[])[0]!.tls;
    expect([routes(c).map((r) => r.pool), tls.certificates.map((x) => x.cert), (c.json.clientTimeouts as { keepAlive: string }).keepAlive]).toEqual([["a-1"], ["a.crt"], "75s"]);
  });
});

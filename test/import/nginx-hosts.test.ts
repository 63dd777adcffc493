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
  test("the default_server's own name is not taken by another server's wildcard (review n4)", () => {
    const c = convert("nginx", "server { listen 80; listen 443; server_name .example.com; location /carbon/ { proxy_pass http://a:1; } }\nserver { listen 443 default_server; listen 80; server_name am.example.com; location / { proxy_pass http://b:1; } }\n");
    expect([[443, "am.example.com", "/carbon/x"], [443, "foo", "/carbon/x"], [443, "x.example.com", "/carbon/x"], [443, "x.example.com", "/x"], [80, "am.example.com", "/carbon/x"], [80, "foo", "/x"]].map(([p, h, u]) => where(c, p as number, h as string, u as string))).toEqual(["b-1", "b-1", "a-1", 404, "b-1", undefined]);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("the same server_name in two servers of a port: only the first is used, the second reported (review n6)", () => {
    const c = convert("nginx", "server { listen 80; server_name default.local; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name is.example.com; location /oauth2/ { proxy_pass http://b:1; } }\nserver { listen 80; server_name is.example.com; location /scim2/ { proxy_pass http://c:1; } location / { proxy_pass http://d:1; } }\n");
    expect([["is.example.com", "/oauth2/x"], ["is.example.com", "/scim2/x"], ["is.example.com", "/x"]].map(([h, u]) => where(c, 80, h!, u!))).toEqual(["b-1", 404, 404]);
    expect(c.lines.filter((l) => /never used for is.example.com on port 80: NGINX gives it to the first server/.test(l)).map((l) => l.split(":")[1])).toEqual(["3", "3"]);
  });

  test("a server with server_name _, \"\" or none that is not the default is never used; as the default it answers every host (review n2)", () => {
    const c = convert("nginx", "server { listen 80; server_name am.example.com; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name _; location /publisher { return 403; } }\nserver { listen 81; server_name gw.example.com; location /api { proxy_pass http://c:1; } }\nserver { listen 81; listen 80; server_name \"\"; location /metrics { proxy_pass http://d:1; } }\nserver { listen 82; server_name _; location / { proxy_pass http://e:1; } }\n");
    expect([[80, "foo", "/publisher"], [80, "foo", "/metrics"], [81, "foo", "/metrics"], [81, "foo", "/api"], [82, "foo", "/x"]].map(([p, h, u]) => where(c, p as number, h as string, u as string))).toEqual(["a-1", "a-1", undefined, "c-1", "e-1"]);
    const lost = c.lines.filter((l) => l.includes("reached only by a request whose Host is that literal name"));
    expect(lost.map((l) => l.split(":").slice(1, 2).concat(/port (\d+)/.exec(l)![1]!))).toEqual([["2", "80"], ["4", "81"], ["4", "80"]]);
  });
});

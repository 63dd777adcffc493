import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { nginxMs } from "../../src/import/nginx-upstream.ts";
import { convert, pools } from "./convert.ts";

const up = (body: string) => `upstream app {\n${body}\n}\nserver { listen 80; location / { proxy_pass http://app; proxy_set_header Host $host; } }\n`;

describe("nginx upstreams as pools", () => {
  test("NGINX times: bare seconds and unit sums", () => {
    expect([nginxMs("60"), nginxMs("5m"), nginxMs("1m30s"), nginxMs("500ms"), nginxMs("x")]).toEqual([60_000, 300_000, 90_000, 500, undefined]);
  });

  test("weight, backup and down; no port means 80; NGINX's defaults made explicit (every server tried, 1 fail in 10s, 60s timeouts)", () => {
    const c = convert("nginx", up("server 10.0.0.1:8080 weight=3;\nserver 10.0.0.2 backup;\nserver 10.0.0.3 down;"));
    expect(pools(c).app).toEqual({
      members: [{ url: "http://10.0.0.1:8080", weight: 3 }, { url: "http://10.0.0.2:80", standby: true }, { url: "http://10.0.0.3:80", state: "disabled" }],
      health: { passive: { maxFails: 1, window: "10s", ejectFor: "10s" } },
      timeouts: { connect: "60s", response: "60s", idle: "60s" },
      retries: 2,
    });
  });

  test("a server listed twice is one member with the weights added (NGINX gives each entry a share)", () => {
    const c = convert("nginx", up("server 10.0.0.1:8080 weight=2;\nserver 10.0.0.2:8080;\nserver 10.0.0.1:8080;"));
    expect(pools(c).app!.members).toEqual([{ url: "http://10.0.0.1:8080", weight: 3 }, { url: "http://10.0.0.2:8080" }]);
    expect(c.lines.join("\n")).toMatch(/:4: note: server 10\.0\.0\.1:8080: the same member as line 2: listed once with the weights added \(weight 3\)$/m);
  });

  test("max_fails and fail_timeout set the passive check; ip_hash and least_conn the method", () => {
    const a = convert("nginx", up("ip_hash;\nserver a:1 max_fails=3 fail_timeout=30s;\nserver b:1 max_fails=3 fail_timeout=30s;"));
    expect(pools(a).app).toMatchObject({ method: "iphash", health: { passive: { maxFails: 3, window: "30s", ejectFor: "30s" } } });
    expect(a.lines.join("\n")).toMatch(/ip_hash: NGINX hashes the first three octets/);
    expect(pools(convert("nginx", up("least_conn;\nserver a:1;"))).app!.method).toBe("bybusyness");
  });

  test("sticky cookie is insert mode; sticky learn on jsessionid is route-suffix on JSESSIONID, with a note", () => {
    expect(pools(convert("nginx", up("server a:1;\nsticky cookie srv_id httponly secure path=/;"))).app!.sticky).toEqual({ cookie: "srv_id", mode: "insert", httpOnly: true, secure: true, path: "/" });
    const l = convert("nginx", up("server a:1;\nsticky learn create=$upstream_cookie_jsessionid lookup=$cookie_jsessionid zone=client_sessions:1m;"));
    expect(pools(l).app!.sticky).toEqual({ cookie: "JSESSIONID", mode: "route-suffix" });
    expect(l.lines.join("\n")).toMatch(/NGINX learns which server issued each JSESSIONID/);
  });

  test("a placeholder left in a server line, unix sockets and unknown parameters are reported", () => {
    const c = convert("nginx", up("server {node-ip-address}:9443;\nserver unix:/tmp/s;\nserver a:1 slow_start=30s;"));
    expect(pools(c).app!.members).toEqual([{ url: "http://a:1" }]);
    const text = c.lines.join("\n");
    expect(text).toMatch(/"\{node-ip-address\}:9443" is not a host\[:port\] \(a placeholder left in\?\)/);
    expect(text).toMatch(/unix sockets are not supported/);
    expect(text).toMatch(/server parameter slow_start=30s is not converted/);
  });

  test("proxy_next_upstream off and proxy_next_upstream_tries limit the retries", () => {
    const off = convert("nginx", up("server a:1;\nserver b:1;\nserver c:1;").replace("proxy_set_header Host $host;", "proxy_next_upstream off;"));
    expect(pools(off).app!.retries).toBe(0);
    const two = convert("nginx", up("server a:1;\nserver b:1;\nserver c:1;").replace("proxy_set_header Host $host;", "proxy_next_upstream_tries 2;"));
    expect(pools(two).app!.retries).toBe(1);
  });

  test("fail_timeout=0 keeps the default 10s failure window, reported; the output still loads", () => {
    const c = convert("nginx", up("server a:1 max_fails=2 fail_timeout=0;"));
    expect(pools(c).app!.health).toEqual({ passive: { maxFails: 2, window: "10s", ejectFor: "10s" } });
    expect(c.lines.join("\n")).toMatch(/fail_timeout=0 is not converted/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });
});

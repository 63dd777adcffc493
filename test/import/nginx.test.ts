import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";

describe("nginx servers as listeners", () => {
  test("two servers on different ports with the same server_name and location keep apart by port; a server with two listens serves both", () => {
    const c = convert("nginx", "server { listen 80; listen 8080; server_name x.example; location /api { proxy_pass http://a:1; } }\nserver { listen 8443; server_name x.example; location /api { proxy_pass http://b:1; } }\n");
    expect(routes(c).filter((r) => r.path === "/api").map((r) => [r.host, r.ports, r.pool])).toEqual([[undefined, [80, 8080], "a-1"], [undefined, [8443], "b-1"]]);
    expect(c.lines.join("\n")).not.toMatch(/already served/);
  });

  test("a server that is the default on one port answers any host there, and only its server_name on the other", () => {
    const c = convert("nginx", "server { listen 81; location / { proxy_pass http://a:1; } }\nserver { listen 80; listen 81; server_name b.example; location / { proxy_pass http://b:1; } }\n");
    expect(routes(c).map((r) => [r.host, r.ports, r.pool])).toEqual([[undefined, [81], "a-1"], [undefined, [80], "b-1"], ["b.example", [81], "b-1"]]);
  });

  test("a server on 80 and 443 ssl whose 80 only redirects: its routes need no ports", () => {
    const c = convert("nginx", "server { listen 80; return 301 https://$host$request_uri; }\nserver { listen 443 ssl; ssl_certificate c.pem; ssl_certificate_key k.pem; location / { proxy_pass http://a:1; } }\n");
    expect(routes(c)).toEqual([expect.not.objectContaining({ ports: expect.anything() })]);
  });

  test("the default server of a port (default_server, else the first) answers any host; others by server_name", () => {
    const c = convert("nginx", "http {\nserver { listen 80; server_name a.example; location / { proxy_pass http://a:1; } }\nserver { listen 80 default_server; server_name b.example .c.example; location / { proxy_pass http://b:1; } }\n}\n");
    expect(routes(c).map((r) => [r.host, r.pool])).toEqual([["a.example", "a-1"], [undefined, "b-1"]]);
    const d = convert("nginx", "server { listen 80; location / { proxy_pass http://a:1; } }\nserver { listen 80; server_name .c.example; location / { proxy_pass http://b:1; } }\n");
    expect(routes(d).map((r) => r.host)).toEqual([undefined, "c.example", "*.c.example"]);
  });

  test("listen ... ssl or ssl on with ssl_certificate, ssl_certificate_key, ssl_password_file and ssl_protocols", () => {
    const c = convert("nginx", "server { listen 127.0.0.1:8443 ssl; ssl_certificate /c/s.crt; ssl_certificate_key /c/s.key; ssl_password_file /c/pass; ssl_protocols TLSv1.3; location / { proxy_pass http://a:1; } }\nserver { listen 9443; ssl on; ssl_certificate /c/t.crt; ssl_certificate_key /c/t.key; location / { proxy_pass http://b:1; } }\n");
    expect(c.json.listeners).toEqual([
      { port: 8443, host: "127.0.0.1", tls: { certificates: [{ cert: "/c/s.crt", key: "/c/s.key", passphraseFile: "/c/pass" }], minVersion: "TLSv1.3" } },
      { port: 9443, tls: { certificates: [{ cert: "/c/t.crt", key: "/c/t.key" }] } },
    ]);
  });

  test("two ssl_certificate/ssl_certificate_key pairs (RSA and ECDSA) become two certificates, paired in order", () => {
    const c = convert("nginx", "server { listen 443 ssl; ssl_certificate /c/rsa.crt; ssl_certificate_key /c/rsa.key; ssl_certificate /c/ec.crt; ssl_certificate_key /c/ec.key; location / { proxy_pass http://a:1; } }\n");
    expect(c.json.listeners).toEqual([{ port: 443, tls: { certificates: [{ cert: "/c/rsa.crt", key: "/c/rsa.key" }, { cert: "/c/ec.crt", key: "/c/ec.key" }] } }]);
  });

  test("a server that only redirects to https (rewrite ... permanent or return 301 ...$request_uri) makes a redirectHttps listener", () => {
    for (const how of ["rewrite ^/(.*) https://x.example/$1 permanent;", "return 301 https://$host$request_uri;"]) {
      const c = convert("nginx", `server { listen 80; server_name x.example; ${how} }\nserver { listen 443; location / { proxy_pass http://a:1; } }\n`);
      expect(c.json.listeners).toEqual([{ port: 80, redirectHttps: { port: 443, status: 301 } }, { port: 443 }]);
    }
  });

  test("main and http directives that do not carry over are each reported once", () => {
    const c = convert("nginx", "worker_processes 4;\nevents { worker_connections 1024; }\nhttp {\nsendfile on;\nproxy_set_header X-A 1;\nserver { listen 80; location /a { proxy_pass http://a:1; } location /b { proxy_pass http://a:1; } }\n}\n");
    expect(c.lines.filter((l) => l.includes("worker_processes"))).toHaveLength(1);
    expect(c.lines.join("\n")).toMatch(/:2: not carried over: events: connection handling/);
    expect(c.lines.join("\n")).toMatch(/:4: not carried over: sendfile on/);
    expect(routes(c).map((r) => r.requestHeaders)).toEqual([{ set: { "X-A": "1" } }, { set: { "X-A": "1" } }]);
  });

  test("client_header_timeout, client_body_timeout and keepalive_timeout become clientTimeouts; NGINX's 60s/60s/75s where unset", () => {
    const c = convert("nginx", "http {\nkeepalive_timeout 65;\nserver { listen 80; client_header_timeout 10s; location / { proxy_pass http://a:1; } }\n}\n");
    expect(c.json.clientTimeouts).toEqual({ keepAlive: "65s", header: "10s", body: "1m" });
    expect(convert("nginx", "server { listen 80; location / { proxy_pass http://a:1; } }\n").json.clientTimeouts).toEqual({ header: "1m", body: "1m", keepAlive: "75s" });
  });

  test("a second server with another client timeout, keep-alive off and the Keep-Alive header value are reported", () => {
    const c = convert("nginx", "http {\nserver { listen 80; client_body_timeout 5s; keepalive_timeout 0; location / { proxy_pass http://a:1; } }\nserver { listen 81; client_body_timeout 7s; keepalive_timeout 30s 20s; location / { proxy_pass http://a:1; } }\n}\n");
    expect(c.json.clientTimeouts).toEqual({ body: "5s", keepAlive: "30s", header: "1m" });
    const text = c.lines.join("\n");
    expect(text).toMatch(/:3: not carried over: client_body_timeout 7s: clientTimeouts.body is one for the whole proxy; kept 5s from .*:2/);
    expect(text).toMatch(/:2: not carried over: keepalive_timeout 0: 0 turns client keep-alive off/);
    expect(text).toMatch(/:3: not carried over: keepalive_timeout 30s 20s: the second value/);
  });
});

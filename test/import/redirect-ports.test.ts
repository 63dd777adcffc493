import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import type { Json } from "../../src/import/emit.ts";
import { convert, routes } from "./convert.ts";

const redirects = (c: ReturnType<typeof convert>) => routes(c).filter((r) => r.redirect).map((r) => [r.host, r.ports, r.redirect]);

describe("redirect-only ports: one redirectHttps when every site redirects alike, else a keepPath route per site", () => {
  test("NGINX: the port of https://$host:8443$request_uri is kept", () => {
    const c = convert("nginx", "server { listen 80; return 301 https://$host:8443$request_uri; }\nserver { listen 8443; location / { proxy_pass http://a:1; } }\n");
    expect(c.json.listeners).toEqual([{ port: 80, redirectHttps: { port: 8443, status: 301 } }, { port: 8443 }]);
    expect(c.lines.join("\n")).not.toMatch(/undefined/);
  });

  test("NGINX: servers of a port that redirect to different ports or statuses get a route per server_name, noted; $server_name is the first name", () => {
    const c = convert("nginx", "server { listen 80 default_server; server_name is.example; return 301 https://$host:8443$request_uri; }\nserver { listen 80; server_name am.example; return 302 https://$server_name:9443$request_uri; }\nserver { listen 8443; location / { proxy_pass http://a:1; } }\n");
    expect(c.json.listeners).toEqual([{ port: 80 }, { port: 8443 }]);
    expect(redirects(c)).toEqual([
      ["is.example", [80], { to: "https://is.example:8443/", status: 301, keepPath: true }],
      ["am.example", [80], { to: "https://am.example:9443/", status: 302, keepPath: true }],
    ]);
    const text = c.lines.join("\n");
    expect(text).toMatch(/:1: note: return 301 .*: the servers of port 80 redirect to different ports or statuses: one keepPath redirect route per server_name/);
    expect(text).toMatch(/:1: not carried over: return 301 .*: the server answers other hosts too/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("NGINX: two servers redirecting alike still make one redirectHttps listener", () => {
    const c = convert("nginx", "server { listen 80; server_name a.example; return 301 https://$host$request_uri; }\nserver { listen 80; server_name b.example; return 301 https://$host$request_uri; }\nserver { listen 443; location / { proxy_pass http://a:1; } }\n");
    expect(c.json.listeners).toEqual([{ port: 80, redirectHttps: { port: 443, status: 301 } }, { port: 443 }]);
  });

  test("Apache: vhosts of a port redirecting to different URLs get a route each; the default's fixed host stays for every other host", () => {
    const c = convert("apache", "Listen 80\nListen 8443\n<VirtualHost *:80>\nServerName is.example\nRedirect permanent / https://is.example:8443/\n</VirtualHost>\n<VirtualHost *:80>\nServerName am.example\nRedirect / https://am.example:9443/\n</VirtualHost>\n<VirtualHost *:8443>\nProxyPass / http://a:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 80 }, { port: 8443 }]);
    expect(redirects(c)).toEqual([
      [undefined, [80], { to: "https://is.example:8443/", status: 301, keepPath: true }],
      ["am.example", [80], { to: "https://am.example:9443/", status: 302, keepPath: true }],
    ]);
    expect(c.lines.join("\n")).toMatch(/:5: note: Redirect permanent .*: the vhosts of port 80 redirect to different ports or statuses: a keepPath redirect route per vhost/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("Apache: vhosts redirecting each to its own name make one redirectHttps listener", () => {
    const c = convert("apache", "<VirtualHost *:80>\nServerName a.example\nRedirect / https://a.example/\n</VirtualHost>\n<VirtualHost *:80>\nServerName b.example\nRedirect / https://b.example/\n</VirtualHost>\n<VirtualHost *:443>\nProxyPass / http://a:1/\n</VirtualHost>\n");
    expect((c.json.listeners as { redirectHttps?: unknown }[])[0]!.redirectHttps).toEqual({ port: 443, status: 302 });
  });

  test("Apache: a redirect to one fixed host, whatever Host the client asked for (seed 003's port 80), is a keepPath route to that host, not redirectHttps", () => {
    for (const names of ["", "ServerName b.example\n"]) {
      const c = convert("apache", `<VirtualHost *:80>\n${names}Redirect permanent / https://ind.talentify.in/\n</VirtualHost>\n<VirtualHost *:443>\nServerName ind.talentify.in\nProxyPass / http://a:1/\n</VirtualHost>\n`);
      expect((c.json.listeners as { redirectHttps?: unknown }[])[0]!.redirectHttps).toBeUndefined();
      expect((c.json.routes as Json[]).find((r) => r.redirect)).toMatchObject({ ports: [80], path: "/", redirect: { to: "https://ind.talentify.in/", status: 301, keepPath: true } });
      expect(c.lines.join("\n")).toContain("httpd sends every client to ind.talentify.in, whatever Host it asked for");
    }
  });
});

import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../src/config/load.ts";
import { convert, routes } from "./convert.ts";

describe("apache listeners", () => {
  test("a port whose every vhost only redirects to https is a redirectHttps listener; the same vhost's other port still routes", () => {
    const c = convert("apache", "<VirtualHost *:80 *:8080>\nServerName x.example\nRedirect permanent / https://x.example/\n</VirtualHost>\n<VirtualHost *:8080>\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /c.pem\nProxyPass / http://b:1/\nProxyPassReverse / http://b:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 80, redirectHttps: { port: 443, status: 301 } }, { port: 8080 }, { port: 443, tls: { certificates: [{ cert: "/c.pem", key: "/c.pem" }] } }]);
    expect(routes(c).map((r) => [r.ports, r.path, r.pool ?? r.redirect])).toEqual([[[8080], "/", { to: "https://x.example/", status: 301, keepPath: true }], [[443], "/", "b-1"]]);
    expect(c.lines.join("\n")).toMatch(/:6: not carried over: .*any host \/ is already served on port 8080 by .*:3; kept the first/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("SSLEngine on in a vhost on two ports puts its certificate on both listeners", () => {
    const c = convert("apache", "<VirtualHost *:443 *:8443>\nSSLEngine on\nSSLCertificateFile /c.pem\nSSLCertificateKeyFile /k.pem\nProxyPass / http://b:1/\nProxyPassReverse / http://b:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([443, 8443].map((port) => ({ port, tls: { certificates: [{ cert: "/c.pem", key: "/k.pem" }] } })));
    expect(routes(c)[0]!.ports).toBeUndefined();
  });

  test("several SSLCertificateFile/SSLCertificateKeyFile pairs become certificates paired in order, the last first (httpd serves the last of a key type)", () => {
    const c = convert("apache", "<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /c/rsa.crt\nSSLCertificateKeyFile /c/rsa.key\nSSLCertificateFile /c/ec.crt\nSSLCertificateKeyFile /c/ec.key\nSSLCertificateChainFile /c/chain.pem\nProxyPass / http://b:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 443, tls: { certificates: [{ cert: "/c/ec.crt", key: "/c/ec.key", chain: "/c/chain.pem" }, { cert: "/c/rsa.crt", key: "/c/rsa.key", chain: "/c/chain.pem" }] } }]);
  });

  test("an IP-based vhost binds what Listen binds, every address here, and is noted as taken as *:port", () => {
    const c = convert("apache", "Listen 8080\n<VirtualHost 127.0.0.1:8080>\nServerName am.local\nProxyPass /am http://a:1/am\n</VirtualHost>\n<VirtualHost *:8080>\nServerName gw.local\nProxyPass / http://b:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 8080 }]);
    expect(c.lines.join("\n")).toMatch(/:2: note: <VirtualHost 127.0.0.1:8080>: httpd gives connections to 127.0.0.1:8080 to the vhosts with that address first.*taken as \*:8080 \(not exact\)/);
  });

  test("a vhost on the address Listen binds is exact: no note", () => {
    const c = convert("apache", "Listen 127.0.0.1:8080\n<VirtualHost 127.0.0.1:8080>\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 8080, host: "127.0.0.1" }]);
    expect(c.lines).toEqual([]);
  });
});

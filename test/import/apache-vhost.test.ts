import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, pools, routes } from "./convert.ts";

describe("Apache vhosts as listeners and routes", () => {
  test("the first vhost of a port answers any host; later ones get a route per ServerName and ServerAlias", () => {
    const c = convert("apache", "<VirtualHost *:80>\nServerName a.example\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n<VirtualHost *:80>\nServerName b.example\nServerAlias *.b.example\nProxyPass / http://b:1/\nProxyPassReverse / http://b:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 80 }]);
    expect(routes(c).map((r) => [r.host, r.pool])).toEqual([[undefined, "a-1"], ["b.example", "b-1"], ["*.b.example", "b-1"]]);
  });

  test("ProxyPass order is httpd's: an earlier prefix hides a later one under it, which is reported", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPass / http://a:1/\nProxyPass /api http://b:1/\nProxyPass /x !\n</VirtualHost>\n");
    expect(routes(c).map((r) => r.path)).toEqual(["/"]);
    expect(c.lines.filter((l) => l.includes("never used"))).toHaveLength(2);
  });

  test("a ProxyPass target path becomes rewritePrefix; ProxyPassReverse to the target is reverse, others reverseAlso", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPass /apim-commonauth http://h:9763/commonauth\nProxyPassReverse /apim-commonauth http://h:9763/commonauth\nProxyPassReverse /apim-commonauth https://localhost:9443/commonauth\n</VirtualHost>\n");
    expect(routes(c)[0]).toEqual({ path: "/apim-commonauth", pool: "h-9763", rewritePrefix: "/commonauth", preserveHost: false, reverseAlso: ["https://localhost:9443/commonauth"] });
  });

  test("without ProxyPassReverse, Location passes unchanged (reverse false) as in httpd, with a note", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPreserveHost On\nProxyPass / http://h:1/\n</VirtualHost>\n");
    expect(routes(c)[0]).toEqual({ path: "/", pool: "h-1", reverse: false });
    expect(c.lines.join("\n")).toMatch(/no ProxyPassReverse for this path/);
  });

  test("SSLEngine makes a TLS listener with cert, key, chain and the SSLPassPhraseDialog program; relative paths follow routes.json", () => {
    const c = convert("apache", "SSLPassPhraseDialog exec:/etc/pass.sh\nListen 8443\n<VirtualHost *:8443>\nSSLEngine on\nSSLCertificateFile certs/s.crt\nSSLCertificateKeyFile /k/s.key\nSSLCertificateChainFile /k/chain.pem\nProxyPass / http://h:1/\nProxyPassReverse / http://h:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 8443, tls: { certificates: [{ cert: "certs/s.crt", key: "/k/s.key", chain: "/k/chain.pem", passphraseCommand: "/etc/pass.sh" }] } }]);
  });

  test("a port whose vhosts only Redirect / to https becomes a redirectHttps listener", () => {
    const c = convert("apache", "<VirtualHost *:80>\nServerName x.example\nRedirect permanent / https://x.example:8443/\n</VirtualHost>\n<VirtualHost *:8443>\nProxyPass / http://h:1/\nProxyPassReverse / http://h:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 80, redirectHttps: { port: 8443, status: 301 } }, { port: 8443 }]);
  });

  test("<Location /balancer-manager> points at the admin listener and answers 404 publicly, with a note", () => {
    const c = convert("apache", "<VirtualHost *:80>\n<Location /balancer-manager>\nSetHandler balancer-manager\nRequire host localhost\n</Location>\nProxyPass / http://h:1/\nProxyPassReverse / http://h:1/\n</VirtualHost>\n");
    expect(c.json.admin).toEqual({ listen: "127.0.0.1:9090" });
    expect(routes(c)[0]).toEqual({ path: "/balancer-manager", respond: { status: 404 } });
    expect(c.lines.join("\n")).toMatch(/balancer manager's job .* admin listener/);
  });

  test("two vhosts on different ports with the same host and path: both are kept, each on its own port", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n<VirtualHost *:81>\nProxyPass / http://b:1/\nProxyPassReverse / http://b:1/\n</VirtualHost>\n");
    expect(routes(c).map((r) => [r.ports, r.pool])).toEqual([[[80], "a-1"], [[81], "b-1"]]);
    expect(c.lines).toEqual([]);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("two vhosts on one port with the same host and path: the second is reported, the first kept, and no route gets ports", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n<VirtualHost *:80>\nServerName y.example\nProxyPass / http://b:1/\nProxyPassReverse / http://b:1/\n</VirtualHost>\n<VirtualHost *:80>\nServerName y.example\nProxyPass / http://c:1/\nProxyPassReverse / http://c:1/\n</VirtualHost>\n");
    expect(routes(c).map((r) => [r.host, r.ports, r.pool])).toEqual([[undefined, undefined, "a-1"], ["y.example", undefined, "b-1"]]);
    expect(c.lines.join("\n")).toMatch(/:12: not carried over: ProxyPass \/ http:\/\/c:1\/: never used: this VirtualHost answers no request; httpd gives y.example on port 80 to the first VirtualHost that matches it, .*:5$/m);
  });

  test("<VirtualHost *:80 *:8080> serves both ports; another port's vhost keeps its own routes", () => {
    const c = convert("apache", "<VirtualHost *:80 *:8080>\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n<VirtualHost *:8443>\nProxyPass / http://b:1/\nProxyPassReverse / http://b:1/\n</VirtualHost>\n");
    expect(c.json.listeners).toEqual([{ port: 80 }, { port: 8080 }, { port: 8443 }]);
    expect(routes(c).map((r) => [r.ports, r.pool])).toEqual([[[80, 8080], "a-1"], [[8443], "b-1"]]);
  });

  test("a vhost that is the first on one of its ports answers any host there, and only its ServerName on the other", () => {
    const c = convert("apache", "<VirtualHost *:8080>\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n<VirtualHost *:80 *:8080>\nServerName b.example\nProxyPass /b http://b:1/\nProxyPassReverse /b http://b:1/\n</VirtualHost>\n");
    expect(routes(c).map((r) => [r.host, r.ports, r.path, r.pool ?? r.respond])).toEqual([[undefined, [8080], "/", "a-1"], [undefined, [80], "/b", "b-1"], ["b.example", [8080], "/b", "b-1"], ["b.example", [8080], "/", { status: 404 }]]);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("without VirtualHosts the main server answers on every Listen port, and its routes need no ports", () => {
    const c = convert("apache", "Listen 8080\nListen 8081\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n");
    expect(c.json.listeners).toEqual([{ port: 8080 }, { port: 8081 }]);
    expect(routes(c)).toEqual([{ path: "/", pool: "a-1", preserveHost: false }]);
    expect(c.lines).toEqual([]);
  });

  test("CustomLog becomes accessLog; a second one is reported", () => {
    const c = convert("apache", "CustomLog /var/log/a.log combined\n<VirtualHost *:80>\nCustomLog /var/log/b.log combined\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n");
    expect(c.json.accessLog).toEqual({ format: "combined", path: "/var/log/a.log" });
    expect(c.lines.join("\n")).toMatch(/:3: not carried over: CustomLog \/var\/log\/b.log/);
  });

  test("KeepAliveTimeout and RequestReadTimeout become clientTimeouts; httpd's 5s and reqtimeout's header=20-40 body=20 where unset", () => {
    const site = "<VirtualHost *:80>\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n";
    expect(convert("apache", site).json.clientTimeouts).toEqual({ header: "40s", body: "20s", keepAlive: "5s" });
    const c = convert("apache", `KeepAliveTimeout 15\nRequestReadTimeout header=10-30,MinRate=500 body=0\n${site}`);
    expect(c.json.clientTimeouts).toEqual({ keepAlive: "15s", header: "30s", body: "20s" });
    expect(c.lines.join("\n")).toMatch(/:2: note: RequestReadTimeout .*header=10-30,MinRate=500: the proxy has no MinRate; header waits 30s/);
    expect(c.lines.join("\n")).toMatch(/:2: not carried over: RequestReadTimeout .*body=0: a disabled limit/);
  });

  test("AllowEncodedSlashes NoDecode or On (vhost or server-wide) sets allowEncodedSlashes; Off leaves the 404", () => {
    const site = (inside: string) => `<VirtualHost *:80>\n${inside}ProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n`;
    expect(routes(convert("apache", site("AllowEncodedSlashes NoDecode\n")))[0]!.allowEncodedSlashes).toBe(true);
    expect(routes(convert("apache", site("AllowEncodedSlashes Off\n")))[0]!.allowEncodedSlashes).toBeUndefined();
    const on = convert("apache", `AllowEncodedSlashes On\n${site("")}`);
    expect(routes(on)[0]!.allowEncodedSlashes).toBe(true);
    expect(on.lines.join("\n")).toMatch(/:1: note: AllowEncodedSlashes On: .*httpd On also decodes/);
  });

  test("a worker's timeout= comes before ProxyTimeout, and ProxyTimeout before Timeout whatever their order, as in httpd", () => {
    const site = "<VirtualHost *:80>\nProxyTimeout 5\nTimeout 2\nProxyPass /w http://a:1/ timeout=7\nProxyPass /p http://b:1/\n</VirtualHost>\n";
    const c = convert("apache", site);
    const [w, p] = routes(c);
    expect(w!.timeouts).toBeUndefined(); // the pool's 7 s applies
    expect(pools(c)[String(w!.pool)]!.timeouts).toMatchObject({ response: "7s" });
    expect(p!.timeouts ?? pools(c)[String(p!.pool)]!.timeouts).toMatchObject({ response: "5s" });
  });

  test("KeepAliveTimeout 0 and ProxyTimeout 0 are reported and httpd's defaults stay; the output still loads", () => {
    const site = "<VirtualHost *:80>\nProxyTimeout 0\nProxyPass / http://a:1/\nProxyPassReverse / http://a:1/\n</VirtualHost>\n";
    const c = convert("apache", `KeepAliveTimeout 0\n${site}`);
    expect(c.json.clientTimeouts).toMatchObject({ keepAlive: "5s" });
    expect(routes(c)[0]!.timeouts).toBeUndefined();
    expect(c.lines.join("\n")).toMatch(/:1: not carried over: KeepAliveTimeout 0: 0 turns client keep-alive off/);
    expect(c.lines.join("\n")).toMatch(/:3: not carried over: ProxyTimeout 0: expected a number of seconds more than 0/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });
});

describe("ProxyPass paths and URLs that disagree on a trailing slash", () => {
  test("are noted with what httpd makes of a request, and what routes.json does instead", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPass /app http://h:1/app/\nProxyPass /b/ http://h:1/bb\nProxyPass /c/ http://h:1/cc/\nProxyPass / http://h:1/\n</VirtualHost>\n");
    const t = c.lines.join("\n");
    expect(t).toMatch(/:2: note: ProxyPass \/app http:\/\/h:1\/app\/: the path and the URL disagree on a trailing slash: httpd joins them as strings \(\/app\/x to \/app\/\/x\), routes.json at the slash$/m);
    expect(t).toMatch(/:3: note: ProxyPass \/b\/ http:\/\/h:1\/bb: .*\(\/b\/x to \/bbx\), routes.json at the slash, and it takes \/b too \(httpd does not\)$/m);
    expect(t).not.toMatch(/:[45]: note: .*trailing slash/);
  });
});

describe("ProxyPass inside <Location>", () => {
  test("is tried before the server's own ProxyPass list, as mod_proxy's proxy_trans does: a / before it does not shadow it", () => {
    const c = convert("apache", "<VirtualHost *:80>\nProxyPass / http://h1:1/\n<Location /api>\nProxyPass http://h2:1/v1\n</Location>\n</VirtualHost>\n");
    expect(routes(c).map((r) => [r.path, r.pool, r.rewritePrefix])).toEqual([["/api", "h2-1", "/v1"], ["/", "h1-1", undefined]]);
    expect(c.lines.join("\n")).not.toContain("never used");
  });
});

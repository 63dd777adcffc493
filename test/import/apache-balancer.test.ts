import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, pools, routes } from "./convert.ts";

const conf = (members: string, set = "", pass = "ProxyPass / balancer://b/\nProxyPassReverse / balancer://b/") => `<Proxy balancer://b>\n${members}\n${set}\n</Proxy>\n<VirtualHost *:80>\n${pass}\n</VirtualHost>\n`;

describe("balancers as pools", () => {
  test("route, loadfactor and status flags become route, weight, standby and state", () => {
    const c = convert("apache", conf("BalancerMember http://a:1 route=n1 loadfactor=3\nBalancerMember http://b:1 status=+H\nBalancerMember http://c:1 status=+D\nBalancerMember http://d:1 status=+N"));
    expect(pools(c).b!.members).toEqual([{ url: "http://a:1", route: "n1", weight: 3 }, { url: "http://b:1", standby: true }, { url: "http://c:1", state: "disabled" }, { url: "http://d:1", state: "drain" }]);
  });

  test("a member listed twice is listed once with the weights added, its other parameters noted as left out", () => {
    const c = convert("apache", conf("BalancerMember http://a:1 loadfactor=2 route=n1\nBalancerMember http://b:1\nBalancerMember http://a:1/ route=n9"));
    expect(pools(c).b!.members).toEqual([{ url: "http://a:1", route: "n1", weight: 3 }, { url: "http://b:1" }]);
    expect(c.lines.join("\n")).toMatch(/:4: note: BalancerMember http:\/\/a:1\/ route=n9: the same member as line 2: listed once with the weights added \(weight 3\); its route is left out/);
  });

  test("httpd's defaults become explicit: every member tried (maxattempts = members - 1), 60 s timeouts, retry=60 ejection", () => {
    const c = convert("apache", conf("BalancerMember http://a:1\nBalancerMember http://b:1\nBalancerMember http://c:1"));
    expect(pools(c).b).toMatchObject({ retries: 2, timeouts: { connect: "1m", response: "1m", idle: "1m" }, health: { passive: { maxFails: 1, ejectFor: "1m" } } });
  });

  test("uniform member timeout= and retry= and ProxySet maxattempts override them", () => {
    const c = convert("apache", conf("BalancerMember http://a:1 timeout=5 retry=10\nBalancerMember http://b:1 timeout=5 retry=10", "ProxySet maxattempts=0"));
    expect(pools(c).b).toMatchObject({ retries: 0, timeouts: { connect: "5s", response: "5s", idle: "5s" }, health: { passive: { ejectFor: "10s" } } });
  });

  test("stickysession with a BALANCER_ROUTE_CHANGED Set-Cookie is insert mode; alone it is Tomcat's route suffix; nofailover=On", () => {
    const insert = convert("apache", `Header add Set-Cookie "ROUTEID=.%{BALANCER_WORKER_ROUTE}e; path=/; HttpOnly" env=BALANCER_ROUTE_CHANGED\n${conf("BalancerMember http://a:1 route=1\nBalancerMember http://b:1 route=2", "ProxySet stickysession=ROUTEID")}`);
    expect(pools(insert).b!.sticky).toEqual({ cookie: "ROUTEID", mode: "insert", path: "/", httpOnly: true });
    const suffix = convert("apache", conf("BalancerMember http://a:1 route=1\nBalancerMember http://b:1", "ProxySet stickysession=JSESSIONID|jsessionid nofailover=On"));
    expect(pools(suffix).b!.sticky).toEqual({ cookie: "JSESSIONID", mode: "route-suffix", failover: false });
    expect(suffix.lines.join("\n")).toMatch(/1 member\(s\) without route=/);
  });

  test("https members: SSLProxyVerify none is verify false; require keeps verifying with the CA; no directive notes httpd's default", () => {
    const none = convert("apache", conf("BalancerMember https://a:1").replace("<VirtualHost *:80>", "<VirtualHost *:80>\nSSLProxyVerify none"));
    expect(pools(none).b!.tls).toEqual({ verify: false });
    expect(none.lines).toEqual([]);
    const req = convert("apache", conf("BalancerMember https://a:1").replace("<VirtualHost *:80>", "<VirtualHost *:80>\nSSLProxyVerify require\nSSLProxyCACertificateFile /etc/ca.pem"));
    expect(pools(req).b!.tls).toEqual({ verify: true, ca: "/etc/ca.pem" });
    const dflt = convert("apache", conf("BalancerMember https://a:1"));
    expect(dflt.lines.join("\n")).toMatch(/httpd's default SSLProxyVerify none/);
  });

  test("SSLProxyMachineCertificateFile (certificate and key in one file) becomes tls.cert and tls.key, verified or not", () => {
    for (const verify of ["require", "none"]) {
      const c = convert("apache", conf("BalancerMember https://a:1").replace("<VirtualHost *:80>", `<VirtualHost *:80>\nSSLProxyVerify ${verify}\nSSLProxyMachineCertificateFile /etc/proxy-client.pem`));
      expect(pools(c).b!.tls).toEqual({ verify: verify === "require", cert: "/etc/proxy-client.pem", key: "/etc/proxy-client.pem" });
      expect(c.lines.join("\n")).not.toMatch(/SSLProxyMachineCertificateFile/);
    }
  });

  test("a main-server balancer used by two vhosts with different client certificates: the second use is noted, not silently given the first's", () => {
    const vhost = (port: number, cert: string) => `<VirtualHost *:${port}>\nSSLProxyMachineCertificateFile ${cert}\nProxyPass /b/ balancer://b/\n</VirtualHost>\n`;
    const c = convert("apache", `<Proxy balancer://b>\nBalancerMember https://a:1\n</Proxy>\n${vhost(80, "/etc/a.pem")}${vhost(8080, "/etc/b.pem")}`);
    expect(pools(c).b!.tls).toMatchObject({ cert: "/etc/a.pem" });
    expect(c.lines.join("\n")).toMatch(/note: .*balancer:\/\/b is also used by a VirtualHost whose SSLProxy\* settings differ; pool b has the first one's/);
    const same = convert("apache", `<Proxy balancer://b>\nBalancerMember https://a:1\n</Proxy>\n${vhost(80, "/etc/a.pem")}${vhost(8080, "/etc/a.pem")}`);
    expect(same.lines.join("\n")).not.toMatch(/settings differ/);
  });

  test("SSLProxy* inside <Proxy *> apply to every URL, as the server's own", () => {
    const c = convert("apache", '<VirtualHost *:80>\nSSLProxyEngine on\n<Proxy *>\nSSLProxyVerify require\nSSLProxyCACertificateFile /etc/all-ca.pem\nSSLProxyMachineCertificateFile /etc/all.pem\n</Proxy>\nProxyPass "/a/" "https://10.0.0.1:8443/"\nProxyPass "/b/" "https://10.0.0.2:8443/"\n</VirtualHost>\n');
    for (const p of Object.values(pools(c))) expect(p.tls).toEqual({ verify: true, ca: "/etc/all-ca.pem", cert: "/etc/all.pem", key: "/etc/all.pem" });
    expect(c.lines.join("\n")).not.toMatch(/SSLProxy/);
  });

  test("SSLProxyCheckPeerName on in a balancer overrides the vhost's off: nothing is reported against that pool", () => {
    const c = convert("apache", conf("BalancerMember https://a:1", "SSLProxyCheckPeerName on").replace("<VirtualHost *:80>", "<VirtualHost *:80>\nSSLProxyVerify require\nSSLProxyCheckPeerName off"));
    expect(pools(c).b!.tls).toEqual({ verify: true });
    expect(c.lines.join("\n")).not.toMatch(/checks the member's name/);
  });

  test("SSLProxy* inside <Proxy balancer://> (httpd 2.4.30+) are that pool's tls, over the vhost's", () => {
    const c = convert("apache", conf("BalancerMember https://a:1", "SSLProxyVerify require\nSSLProxyCACertificateFile /etc/b-ca.pem\nSSLProxyMachineCertificateFile /etc/b-client.pem").replace("<VirtualHost *:80>", "<VirtualHost *:80>\nSSLProxyVerify none\nSSLProxyMachineCertificateFile /etc/vhost-client.pem"));
    expect(pools(c).b!.tls).toEqual({ verify: true, ca: "/etc/b-ca.pem", cert: "/etc/b-client.pem", key: "/etc/b-client.pem" });
    expect(c.lines.join("\n")).not.toMatch(/SSLProxy/);
  });

  test("SSLProxy* inside <Proxy URL> apply to that URL in httpd: reported, never put on every https pool of the server", () => {
    const c = convert("apache", '<VirtualHost *:80>\nSSLProxyEngine on\n<Proxy "https://10.0.0.1:8443/">\nSSLProxyMachineCertificateFile /etc/only-for-a.pem\n</Proxy>\nProxyPass "/a/" "https://10.0.0.1:8443/"\nProxyPass "/b/" "https://10.0.0.2:8443/"\n</VirtualHost>\n');
    for (const p of Object.values(pools(c))) expect(p.tls).toEqual({ verify: false });
    expect(c.lines.join("\n")).toMatch(/:4: not carried over: SSLProxyMachineCertificateFile .*inside <Proxy https:\/\/10\.0\.0\.1:8443\/>: httpd applies it to that URL only/);
  });

  test("a member that is not an http(s) URL and an unknown lbmethod are reported", () => {
    const c = convert("apache", conf("BalancerMember ajp://a:8009\nBalancerMember http://b:1", "ProxySet lbmethod=heartbeat"));
    expect(pools(c).b!.members).toEqual([{ url: "http://b:1" }]);
    expect(c.lines.join("\n")).toMatch(/ajp:\/\/a:8009" is not an http\(s\)/);
    expect(c.lines.join("\n")).toMatch(/lbmethod=heartbeat has no routes.json equivalent/);
  });

  test("timeout=0 and connectiontimeout=0 are taken as unset: the server's Timeout applies", () => {
    const c = convert("apache", `Timeout 30\n${conf("BalancerMember http://a:1 timeout=0 connectiontimeout=0")}`);
    expect(pools(c).b!.timeouts).toEqual({ connect: "30s", response: "30s", idle: "30s" });
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("same-named balancers in two vhosts are two pools, as httpd keeps one per vhost; ProxyPassReverse still maps each", () => {
    const site = (name: string, member: string) => `<VirtualHost *:80>\nServerName ${name}\n<Proxy balancer://app>\nBalancerMember http://${member}:1\n</Proxy>\nProxyPass / balancer://app/\nProxyPassReverse / balancer://app/\n</VirtualHost>\n`;
    const c = convert("apache", site("a.example", "a") + site("b.example", "b"));
    expect(routes(c).map((r) => [r.host, r.pool, r.reverse])).toEqual([[undefined, "app", undefined], ["b.example", "app-b.example", undefined]]);
    expect(pools(c).app!.members).toEqual([{ url: "http://a:1" }]);
    expect(pools(c)["app-b.example"]!.members).toEqual([{ url: "http://b:1" }]);
    expect(c.lines).toEqual(["main.conf:11: note: <Proxy balancer://app>: pool app-b.example: httpd keeps a balancer://app per VirtualHost, and another one is pool app"]);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("same-named balancers in two vhosts with the same ServerName on two ports are pools named by port, each route on its own port", () => {
    const site = (port: number, member: string) => `<VirtualHost *:${port}>\nServerName x.example\n<Proxy balancer://app>\nBalancerMember http://${member}:1\n</Proxy>\nProxyPass / balancer://app/\nProxyPassReverse / balancer://app/\n</VirtualHost>\n`;
    const c = convert("apache", site(80, "a") + site(8080, "b"));
    expect(routes(c).map((r) => [r.ports, r.pool])).toEqual([[[80], "app"], [[8080], "app-8080"]]);
    expect(pools(c)["app-8080"]!.members).toEqual([{ url: "http://b:1" }]);
    expect(c.lines).toEqual(["main.conf:11: note: <Proxy balancer://app>: pool app-8080: httpd keeps a balancer://app per VirtualHost, and another one is pool app"]);
  });

  test("a vhost's balancer beside a main-server balancer of the same name is never used (httpd looks in the main server first), reported", () => {
    const c = convert("apache", "<Proxy balancer://app>\nBalancerMember http://main:1\n</Proxy>\n<VirtualHost *:80>\n<Proxy balancer://app>\nBalancerMember http://own:1\n</Proxy>\nProxyPass / balancer://app/\nProxyPassReverse / balancer://app/\n</VirtualHost>\n");
    expect(pools(c).app!.members).toEqual([{ url: "http://main:1" }]);
    expect(c.lines.join("\n")).toMatch(/:5: not carried over: <Proxy balancer:\/\/app>: never used: httpd looks up balancer:\/\/app in the main server first, .*:1; rename one/);
  });
});

import { describe, expect, test } from "bun:test";
import { collect } from "../../src/import/apache.ts";
import { lexApache } from "../../src/import/apache-lexer.ts";
import { Report } from "../../src/import/report.ts";
import { convert } from "./convert.ts";
import { parseConfigText } from "../../src/config/load.ts";

describe("apache model", () => {
  test("vhosts, names, balancers and ProxySet (inside and outside <Proxy>) are collected", () => {
    const c = convert("apache", "<Proxy balancer://b>\nBalancerMember http://h:1 route=r1\nProxySet lbmethod=bytraffic\n</Proxy>\nProxySet balancer://b stickysession=ROUTEID\n<VirtualHost 10.0.0.1:8080>\nServerName a.example\nServerAlias b.example\nProxyPass / balancer://b/\n</VirtualHost>\n");
    const report = new Report();
    const model = collect(lexApache(c.file, report), report);
    expect(model.vhosts).toHaveLength(1);
    expect(model.vhosts[0]).toMatchObject({ addrs: [{ host: "10.0.0.1", port: 8080 }], ports: [8080], names: ["a.example", "b.example"] });
    expect(Object.fromEntries(model.main.balancers.get("b")!.params)).toEqual({ lbmethod: "bytraffic", stickysession: "ROUTEID" });
  });

  test("every directive that is not understood is reported with its line and a reason", () => {
    const c = convert("apache", "<VirtualHost *:80>\nDocumentRoot /var/www\nFrobnicate on\n<Directory /x>\nRequire all denied\n</Directory>\nRequire ip 10.0.0.0/8\nProxyPass / http://h:1/\nProxyPassReverse / http://h:1/\n</VirtualHost>\n");
    expect(c.lines).toEqual([
      "main.conf:2: not carried over: DocumentRoot /var/www: the proxy serves no files; requests that no route matches get 404",
      "main.conf:3: not carried over: Frobnicate on: not supported by the importer",
      "main.conf:4: not carried over: <Directory /x>: <directory> sections are not converted; their contents are left out",
      "main.conf:7: not carried over: Require ip 10.0.0.0/8: access control is not converted: the route serves every client",
    ]);
  });

  test("<Location /x> with a one-argument ProxyPass is a route; other directives inside it are reported", () => {
    const c = convert("apache", "<VirtualHost *:80>\n<Location /app>\nProxyPass http://h:1/app\nProxyPassReverse http://h:1/app\nHeader set X 1\n</Location>\n</VirtualHost>\n");
    expect(c.json.routes).toEqual([{ path: "/app", pool: "h-1", preserveHost: false }]);
    expect(c.lines.join("\n")).toMatch(/:5: not carried over: Header set X 1: inside <Location \/app>/);
  });
});

describe("odd directives are reported, never a broken routes.json", () => {
  const valid = (c: ReturnType<typeof convert>) => expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  test("Redirect gone /old (status keyword, no URL) is skipped; maxattempts=abc keeps httpd's default with a note", () => {
    const gone = convert("apache", "Listen 80\n<VirtualHost *:80>\nProxyPass / http://m:1/\nRedirect gone /old\nRedirect 410 /older\n</VirtualHost>\n");
    valid(gone);
    expect(gone.lines.join("\n")).toContain("Redirect gone /old: only redirects with a 3xx status and a target URL convert");
    const odd = convert("apache", "Listen 80\n<VirtualHost *:80>\nProxyPass / http://m:1/ maxattempts=abc\n</VirtualHost>\n");
    valid(odd);
    expect(odd.lines.join("\n")).toContain("maxattempts=abc is not a count");
  });
});

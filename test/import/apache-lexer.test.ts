import { describe, expect, test } from "bun:test";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { apacheWords, lexApache } from "../../src/import/apache-lexer.ts";
import { Report } from "../../src/import/report.ts";
import { tempDir } from "../e2e/harness.ts";

function lex(files: Record<string, string>) {
  const dir = tempDir();
  for (const [n, t] of Object.entries(files)) { mkdirSync(join(dir, n, ".."), { recursive: true }); writeFileSync(join(dir, n), t); }
  const report = new Report();
  return { nodes: lexApache(join(dir, Object.keys(files)[0]!), report), report, dir };
}

describe("apache lexer", () => {
  test("words split on white space, quotes group them and \\\" escapes a quote", () => {
    expect(apacheWords(`Header add Set-Cookie "ROUTEID=.%{X}e; path=/" env=A`)).toEqual(["Header", "add", "Set-Cookie", "ROUTEID=.%{X}e; path=/", "env=A"]);
    expect(apacheWords(`RequestHeader set X "a \\"b\\" c"`)).toEqual(["RequestHeader", "set", "X", 'a "b" c']);
    expect(apacheWords(`ProxyPass "/"  "balancer://backend/"`)).toEqual(["ProxyPass", "/", "balancer://backend/"]);
  });

  test("sections nest, comments are skipped, a trailing backslash continues the line, lines are kept", () => {
    const { nodes } = lex({ "a.conf": "# c\n<VirtualHost *:80>\n  ProxyPass / \\\n    http://b/\n</VirtualHost>\n" });
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.name).toBe("<virtualhost");
    expect(nodes[0]!.children![0]).toMatchObject({ name: "proxypass", args: ["/", "http://b/"], loc: { line: 3 } });
  });

  test("Include splices files in place (wildcards sorted, relative to the including file); IncludeOptional may match nothing", () => {
    const { nodes, report } = lex({ "a.conf": "Listen 80\nInclude sites/*.conf\nIncludeOptional none/*.conf\nInclude missing.conf\n", "sites/b.conf": "ServerName b\n", "sites/a.conf": "ServerName a\n" });
    expect(nodes.map((n) => `${n.name} ${n.args[0]}`)).toEqual(["listen 80", "servername a", "servername b"]);
    expect(nodes[1]!.loc.file).toEndWith("sites/a.conf");
    expect(report.lines()).toHaveLength(1);
    expect(report.lines()[0]).toMatch(/a.conf:4: not carried over: Include missing.conf: no file matches/);
  });

  test("a section never closed is reported and closed at the end of the file", () => {
    const { nodes, report } = lex({ "a.conf": "<VirtualHost *:80>\n<Proxy *>\nAllow from all\n" });
    expect(nodes[0]!.children![0]!.name).toBe("<proxy");
    expect(report.lines().join("\n")).toMatch(/a.conf:1: note: <VirtualHost \*:80>: never closed/);
    expect(report.lines().join("\n")).toMatch(/a.conf:2: note: <Proxy \*>: never closed/);
  });
});

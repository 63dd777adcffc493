import { describe, expect, test } from "bun:test";
import { nginxTokens } from "../../src/import/nginx-lexer.ts";
import { convert } from "./convert.ts";

describe("nginx lexer", () => {
  test("tokens: words, quoted strings with escapes, comments, ; { } and line numbers", () => {
    const t = nginxTokens('a "b c" \'d\\\'e\'; # x ;\nf {\n}');
    expect(t.map((x) => x.t)).toEqual(["a", "b c", "d'e", ";", "f", "{", "}"]);
    expect(t.map((x) => x.line)).toEqual([1, 1, 1, 1, 2, 2, 3]);
  });

  test("include splices files (wildcards sorted, relative to the main file); a missing plain include is reported", () => {
    const c = convert("nginx", { "nginx.conf": "http {\ninclude conf.d/*.conf;\ninclude nope.conf;\n}\n", "conf.d/b.conf": "server { listen 81; location / { proxy_pass http://b:1; } }\n", "conf.d/a.conf": "server { listen 80; location / { proxy_pass http://a:1; } }\n" });
    expect(c.json.listeners).toEqual([{ port: 80 }, { port: 81 }]);
    expect(c.lines.join("\n")).toMatch(/nginx.conf:3: not carried over: include nope.conf: no file/);
  });

  test("an unclosed block is noted and closed at the end of the file", () => {
    const c = convert("nginx", "server { listen 80;\nlocation / { proxy_pass http://a:1; }\n");
    expect(c.lines.join("\n")).toMatch(/:1: note: \{: block never closed/);
    expect((c.json.routes as unknown[]).length).toBe(1);
  });
});

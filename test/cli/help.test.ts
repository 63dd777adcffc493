import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CHECK_HELP, HELP, REFERENCE_HINT, SCHEMA_HELP } from "../../src/cli/help.ts";
import { runImport } from "../../src/cli/import.ts";
import { runSchema } from "../../src/cli/schema.ts";
import { runToken } from "../../src/cli/token.ts";
import { REFERENCE } from "../../src/config/load.ts";
import { makeTempDir } from "../temp-dirs.ts";

const ROOT = join(import.meta.dir, "../..");
const MISSING = join(makeTempDir("help-test-"), "missing.json");

/** The real entry point, run from source: what `proxy ARGS` does. */
async function proxy(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

function capture() {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

const section = (name: string) => HELP.split(`\n${name}:\n`)[1]!.split("\n\n")[0]!.split("\n");
/** HELP's usage lines of subcommands: `  proxy check routes.json   validate ...` -> ["check", that line]. */
const subcommandLines = section("Usage").flatMap((l) => {
  const m = /^ {2}proxy ([a-z]+)\b/.exec(l);
  return m ? [[m[1]!, l] as const] : [];
});
/** HELP's Options section: `  --workers N   run ...` -> ["--workers", true]. */
const serveOptions = section("Options").map((l) => {
  const m = /^ {2}(--[a-z-]+)( [A-Z]+)? {2,}\S/.exec(l);
  if (!m) throw new Error(`not an option line: ${JSON.stringify(l)}`);
  return [m[1]!, m[2] !== undefined] as const;
});
/** The options a line names; "(like nginx -t)" names another program's. */
const dashed = (s: string) => [...s.replace(/\(like [^)]*\)/g, "").matchAll(/(?<![\w-])(--?[a-z][a-z-]*)/g)].map((m) => m[1]!);
let helps: Promise<{ code: number; out: string; err: string }[]> | undefined;
/** `proxy NAME --help` for each subcommand HELP lists, run once. */
const ownHelps = () => (helps ??= Promise.all(subcommandLines.map(([name]) => proxy(name, "--help"))));

describe("proxy --help", () => {
  test("lists the subcommands and the serving options", () => {
    expect(subcommandLines.map(([name]) => name)).toEqual(["check", "schema", "cert", "import", "token"]);
    expect(serveOptions).toEqual([["--routes", true], ["--watch", false], ["--workers", true], ["--user", true], ["--quiet", false]]);
  });

  test("every subcommand it lists answers --help with its own usage, on stdout, exit 0", async () => {
    const runs = await ownHelps();
    subcommandLines.forEach(([name], i) => {
      const r = runs[i]!;
      expect([name, r.code, r.err]).toEqual([name, 0, ""]);
      expect(r.out).toStartWith(`usage: proxy ${name}`);
      expect(r.out).not.toBe(HELP + "\n"); // its own text, not the main usage
    });
  });

  test("the options it names on a subcommand's line are in that subcommand's own help", async () => {
    let named = 0;
    const runs = await ownHelps();
    for (const [i, [name, line]] of subcommandLines.entries()) {
      const own = runs[i]!.out;
      // "(proxy cert --help)" points at the help itself: not an option of the command.
      for (const opt of dashed(line).filter((o) => o !== "--help")) {
        expect([name, opt, own.includes(opt)]).toEqual([name, opt, true]);
        named++;
      }
    }
    expect(named).toBe(5); // import's -o; token's --secret-file, --scope, --ttl, --subject
  });

  test("every serving option it documents is accepted by the serving parser; an undocumented one is refused", async () => {
    const runs = await Promise.all(serveOptions.map(([opt, takesValue]) => {
      const args = opt === "--routes" ? [] : [opt, ...(takesValue ? [opt === "--workers" ? "2" : "nobody"] : [])];
      return proxy("--routes", MISSING, ...args);
    }));
    serveOptions.forEach(([opt], i) => {
      // Parsing passed: the run got as far as reading routes.json, which does not exist.
      expect([opt, runs[i]!.code, runs[i]!.err]).toEqual([opt, 1, `${MISSING}: 1 error\n  file not found (give the path to routes.json with --routes)\n`]);
    });
    const bogus = await proxy("--routes", MISSING, "--verbose");
    expect(bogus.code).toBe(2);
    expect(bogus.err).toStartWith("Unknown option '--verbose'");
  });

  test("the token options it names are accepted by proxy token's parser; an unknown one is refused", async () => {
    const line = subcommandLines.find(([n]) => n === "token")![1];
    const values: Record<string, string> = { "--secret-file": MISSING, "--scope": "read", "--ttl": "8h", "--subject": "ops" };
    expect(dashed(line)).toEqual(Object.keys(values));
    const c = capture();
    // Exit 1, not 2: every option parsed and only reading the (missing) secret failed.
    expect(await runToken(Object.entries(values).flat(), c.io)).toBe(1);
    expect(c.err.join("\n")).toContain(MISSING);
    expect(await runToken(["--secret-file", MISSING, "--scopes", "read"], c.io)).toBe(2);
    expect(c.err.at(-1)).toStartWith("Unknown option '--scopes'");
  });

  test("import's -o is taken as the output file, not as the input", async () => {
    const c = capture();
    expect(await runImport(["nginx", MISSING, "-o", join(makeTempDir("help-test-"), "routes.json")], c.io)).toBe(2);
    expect(c.err).toEqual([`${MISSING}: no such file`]);
  });
});

describe("the help texts point at the configuration reference", () => {
  test("the reference they name exists and is the one configuration errors name", () => {
    expect(REFERENCE_HINT).toContain(REFERENCE);
    expect(existsSync(join(ROOT, REFERENCE))).toBe(true);
  });

  test("the main, check and schema help each end with it", () => {
    for (const text of [HELP, CHECK_HELP, SCHEMA_HELP]) expect(text).toEndWith(`${REFERENCE_HINT}\n`);
  });
});

describe("proxy schema --help", () => {
  test("its claim holds: the schema printed is JSON Schema draft 07", () => {
    expect(SCHEMA_HELP).toContain("JSON Schema (draft 07)");
    const c = capture();
    expect(runSchema([], c.io)).toBe(0);
    expect(JSON.parse(c.out[0]!).$schema).toBe("http://json-schema.org/draft-07/schema#");
  });
});

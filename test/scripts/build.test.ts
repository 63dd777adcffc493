import { expect, test } from "bun:test";
import { join } from "node:path";
import { compileCommand } from "../../scripts/build.ts";

const RECORD = join(import.meta.dir, "../../src/metrics/record.ts");

/** src/metrics/record.ts bundled with the define compileCommand gives for `counting`. */
async function bundled(counting: "on" | "off"): Promise<string> {
  const define = compileCommand("x", counting)[compileCommand("x", counting).indexOf("--define") + 1]!;
  const [name, value] = [define.slice(0, define.indexOf("=")), define.slice(define.indexOf("=") + 1)];
  const r = await Bun.build({ entrypoints: [RECORD], define: { [name]: value }, minify: { syntax: true }, packages: "external" });
  return r.outputs[0]!.text();
}

test("counting is folded in at build time: kept with no check in the shipped build, gone with \"off\"", async () => {
  expect(compileCommand("dist/proxy")).toContain('process.env.EDGE_PROXY_COUNTING="on"');
  const on = await bundled("on"), off = await bundled("off");
  expect(on).toContain("requests++");
  expect(on).toContain("]++");
  expect(on).not.toContain("EDGE_PROXY_COUNTING"); // no runtime lookup, no switch left for an operator's environment
  expect(off).not.toContain("requests++");
  expect(off).not.toContain("]++"); // the refusal counter too
});

test("dynamic imports are chunks of their own in the binary, not code every start parses", () => {
  expect(compileCommand("dist/proxy")).toContain("--splitting");
});

test("the binary starts with a reluctant JIT, so run-once start-up code is not compiled by the optimizing tiers", () => {
  expect(compileCommand("dist/proxy")).toContain("--compile-jit-policy=20");
});

/** The source files (`// src/...`, `// node_modules/...` lines of an unminified bundle) a start evaluates: the entry chunk and what it imports statically. */
async function loadedAtStart(): Promise<string[]> {
  const r = await Bun.build({ entrypoints: [join(import.meta.dir, "../../src/main.ts")], splitting: true, target: "bun" });
  const chunks = new Map(await Promise.all(r.outputs.map(async (o) => [o.path.replace(/^.*\//, ""), await o.text()] as const)));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const m of chunks.get(name)!.matchAll(/^(?:import|export)\b[^;]*?["']\.\/([^"']+)["']/gm)) visit(m[1]!);
  };
  visit(r.outputs.find((o) => o.kind === "entry-point")!.path.replace(/^.*\//, ""));
  return [...seen].flatMap((n) => chunks.get(n)!.match(/^\/\/ (src|node_modules)\/.*$/gm) ?? []);
}

test("a start evaluates no admin app, X.509 library, JSON Schema converter or other subcommand: they load when used", async () => {
  const files = await loadedAtStart();
  expect(files).toContain("// src/cli/serve.ts");
  // src/tls/x509.ts loads @peculiar/x509 with a top-level await import(): a static import of it is that library at start.
  for (const lazy of ["node_modules/hono/", "node_modules/@peculiar/", "src/tls/x509.ts", "node_modules/@valibot/to-json-schema/", "src/admin/app.ts", "src/cli/admin.ts", "src/cli/schema.ts", "src/cli/cert.ts", "src/cli/import.ts", "src/cli/token.ts"])
    expect(files.filter((f) => f.includes(lazy))).toEqual([]);
});

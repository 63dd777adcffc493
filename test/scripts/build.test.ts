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

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { routesJsonSchema, runSchema } from "../../src/cli/schema.ts";

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
};

describe("proxy schema", () => {
  test("the JSON Schema is strict and knows the fields editors complete", () => {
    const s = routesJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }>; additionalProperties: boolean; required: string[] };
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(expect.arrayContaining(["listeners", "pools", "routes"]));
    expect(Object.keys(s.properties.eventLog!.properties!)).toEqual(["format", "level"]);
    expect(s.properties.$schema as unknown).toEqual({ type: "string" });
  });

  test("docs/routes.schema.json, which examples/ point at, is what proxy schema prints", async () => {
    const { out, io } = capture();
    expect(runSchema([], io)).toBe(0);
    const shipped = await Bun.file(join(import.meta.dir, "../../docs/routes.schema.json")).text();
    expect(out[0] + "\n").toBe(shipped);
  });

  test("--help explains, an unknown option is a usage error", () => {
    const a = capture();
    expect(runSchema(["--help"], a.io)).toBe(0);
    expect(a.out[0]).toContain("usage: proxy schema");
    const b = capture();
    expect(runSchema(["--pretty"], b.io)).toBe(2);
    expect(b.err[0]).toContain("--pretty");
  });
});

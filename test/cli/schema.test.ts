import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type SchemaNode, referenceRows, routesJsonSchema, runSchema } from "../../src/cli/schema.ts";

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
};

describe("proxy schema", () => {
  test("the JSON Schema is strict and knows the fields editors complete", () => {
    const s = routesJsonSchema() as SchemaNode & { properties: Record<string, SchemaNode>; required: string[] };
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(expect.arrayContaining(["listeners", "pools", "routes"]));
    expect(Object.keys(s.properties.eventLog!.properties!)).toEqual(["format", "level"]);
    expect(s.properties.$schema!.description).toContain("ignored by the proxy");
    // The proxy refuses a port listed twice; an editor should mark it too.
    const route = s.properties.routes!.items!;
    expect(route.properties!.ports!.uniqueItems).toBe(true);
  });

  test("each field's description is its row of docs/configuration.md", () => {
    const rows = referenceRows("| `a.b` | the [thing](x.md) `here` | `5s` |\n| `c` | must | required |\n| `d` | free |  |\n");
    expect([...rows]).toEqual([["a.b", "the thing here (default: 5s)"], ["c", "must (required)"], ["d", "free"]]);
    const s = routesJsonSchema();
    const url = s.properties!.pools!.additionalProperties as { properties: Record<string, { items: { properties: Record<string, { description: string }> } }> };
    expect(url.properties.members!.items.properties.url!.description).toBe("http(s)://host:port[/basepath] (required)");
  });

  // After editing docs/configuration.md or the schema: ./dist/proxy schema > docs/routes.schema.json
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

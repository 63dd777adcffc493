import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eachField, routesJsonSchema } from "../../src/cli/schema.ts";

const schemaPaths = () => {
  const out: string[] = [];
  eachField(routesJsonSchema(), (p) => void (out.includes(p) || out.push(p)));
  return out;
};

const DOCS = join(import.meta.dir, "../../docs");
const documented = async () => {
  const text = await Bun.file(join(DOCS, "configuration.md")).text();
  return new Set([...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
};

/**
 * Contract fields documented ahead of the code that parses them (added on other branches:
 * client timeouts, encoded slashes, JWT auth, sticky learning, admin). Once their schema lands
 * they are checked like every other field; a name here that is neither in the schema nor in
 * the docs is caught below too.
 */
const AHEAD_OF_SCHEMA = new Set([
  "clientTimeouts", "clientTimeouts.header", "clientTimeouts.body", "clientTimeouts.keepAlive",
  "routes[].allowEncodedSlashes", "pools.NAME.sticky.learn",
  "routes[].auth", "routes[].auth.jwt", "routes[].auth.jwt.jwksFile", "routes[].auth.jwt.jwksUrl", "routes[].auth.jwt.secretFile",
  "routes[].auth.jwt.issuer", "routes[].auth.jwt.audience", "routes[].auth.jwt.algorithms", "routes[].auth.jwt.clockSkew",
  "routes[].auth.jwt.requiredClaims", "routes[].auth.jwt.claimsToHeaders", "routes[].auth.jwt.token",
  "admin.auth", "admin.auth.secretFile", "admin.auth.jwksFile", "admin.auth.jwksUrl", "admin.auth.issuer", "admin.auth.audience",
  "admin.metrics", "admin.metrics.buckets",
]);

describe("docs/configuration.md is the reference of the schema", () => {
  test("every field of the schema is documented", async () => {
    const docs = await documented();
    const missing = schemaPaths().filter((p) => !docs.has(p));
    expect(missing).toEqual([]);
  });

  test("every documented field exists in the schema (or is a contract field still to land)", async () => {
    const inSchema = new Set(schemaPaths());
    const unknown = [...(await documented())].filter((p) => !inSchema.has(p) && !AHEAD_OF_SCHEMA.has(p));
    expect(unknown).toEqual([]);
    const docs = await documented();
    expect([...AHEAD_OF_SCHEMA].filter((p) => !docs.has(p))).toEqual([]);
  });

  test("the docs cite nothing outside the repository", async () => {
    for (const name of ["configuration.md", "control-plane.md"]) {
      const text = await Bun.file(join(DOCS, name)).text();
      expect(text).not.toMatch(/\.\.\/shared|routes-json\.md|perf-lab|research\//);
    }
  });

  test("no source file, README or example cites a document outside the repository", () => {
    const root = join(import.meta.dir, "../..");
    const files = [...readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" }).map((f) => join("src", f)), "README.md", ...readdirSync(join(root, "examples")).map((f) => join("examples", f))];
    const bad = files.filter((f) => /\.(ts|md|json)$/.test(f) && /\.\.\/shared|routes-json\.md|control-plane\.md beside|perf-lab|bun-hono\.md|anchors\.md|aesthetics\.md|research[:/ ]\d?/.test(readFileSync(join(root, f), "utf8")));
    expect(bad).toEqual([]);
  });
});

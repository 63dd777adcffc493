/**
 * `proxy schema`: routes.json's JSON Schema, converted from the one valibot schema so it cannot
 * drift, with each field's description taken from docs/configuration.md (embedded in the
 * binary), so editors show the reference on hover.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import { parseArgs } from "node:util";
import { configSchema } from "../config/schema.ts";
import reference from "../../docs/configuration.md" with { type: "text" };
import type { Io } from "./check.ts";
import { SCHEMA_HELP } from "./help.ts";
import { usageError } from "./args.ts";

export interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  description?: string;
  uniqueItems?: boolean;
}

/** What a valibot check says that the conversion cannot see (it skips v.check). */
const UNIQUE = new Set(["routes[].ports"]);

/** Calls `visit` with every field of the schema and its path as the docs write it: `pools.NAME.members[].url`. */
export function eachField(node: SchemaNode, visit: (path: string, node: SchemaNode) => void, prefix = ""): void {
  for (const branch of node.anyOf ?? []) eachField(branch, visit, prefix);
  if (node.items) eachField(node.items, visit, `${prefix}[]`);
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${k}` : k;
    visit(path, child);
    eachField(child, visit, path);
  }
  // A record of objects (pools) is documented under a placeholder key; a record of strings
  // (header maps) is a value, not fields.
  const extra = node.additionalProperties;
  if (typeof extra === "object" && (extra.properties || extra.anyOf)) eachField(extra, visit, `${prefix}.NAME`);
}

/** The reference's table rows: `| \`path\` | meaning | default |` -> path -> "meaning (default: ...)". */
export function referenceRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of markdown.matchAll(/^\| `([^`]+)` \| (.*) \| (.*) \|$/gm)) {
    const plain = (s: string) => s.replace(/\[([^\]]+)\]\([^)]*\)/g, "$1").replace(/`/g, "").trim();
    const dflt = plain(m[3]!);
    rows.set(m[1]!, plain(m[2]!) + (dflt === "required" ? " (required)" : dflt ? ` (default: ${dflt})` : ""));
  }
  return rows;
}

export function routesJsonSchema(): SchemaNode {
  // errorMode "ignore": durations and sizes are transforms (text -> number) that JSON Schema
  // cannot express; they appear as their input type (a string), which is what an editor needs.
  const schema = toJsonSchema(configSchema, { errorMode: "ignore", typeMode: "input" }) as SchemaNode;
  const rows = referenceRows(reference);
  eachField(schema, (path, node) => {
    const text = rows.get(path);
    if (text) node.description = text;
    if (UNIQUE.has(path)) node.uniqueItems = true;
  });
  return { ...schema, title: "edge-proxy routes.json", description: "See docs/configuration.md in the edge-proxy repository." } as SchemaNode;
}

export function runSchema(args: string[], io: Io): number {
  let help: boolean | undefined;
  try {
    ({ values: { help } } = parseArgs({ args, options: { help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    return usageError(e, SCHEMA_HELP, io);
  }
  io.out(help ? SCHEMA_HELP : JSON.stringify(routesJsonSchema(), null, 2));
  return 0;
}

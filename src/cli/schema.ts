/** `proxy schema`: routes.json's JSON Schema, converted from the one valibot schema so it cannot drift. */
import { toJsonSchema } from "@valibot/to-json-schema";
import { configSchema } from "../config/schema.ts";
import { parseArgs } from "node:util";
import type { Io } from "./check.ts";
import { SCHEMA_HELP } from "./help.ts";
import { usageError } from "./args.ts";

export function routesJsonSchema(): object {
  // errorMode "ignore": durations and sizes are transforms (text -> number) that JSON Schema
  // cannot express; they appear as their input type (a string), which is what an editor needs.
  const schema = toJsonSchema(configSchema, { errorMode: "ignore", typeMode: "input" });
  return { ...schema, title: "edge-proxy routes.json", description: "See docs/configuration.md in the edge-proxy repository." };
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

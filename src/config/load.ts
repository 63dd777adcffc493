/** routes.json -> typed Config: read, JSON.parse, validate; every problem at once, with its path. */
import * as v from "valibot";
import { configSchema, type Config } from "./schema.ts";
import { ConfigError, jsonPath, type ConfigIssue } from "./errors.ts";
import { semanticIssues } from "./semantics.ts";

export function parseConfigText(text: string, file = "routes.json"): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [{ path: "", message: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: "", message: "expected an object with listeners, pools and routes at the top level" }]);
  }
  const result = v.safeParse(configSchema, raw);
  // Cross-field checks run on the raw JSON too, so one pass reports every problem at once.
  const issues = [...(result.success ? [] : result.issues.map(toIssue)), ...semanticIssues(raw)];
  if (issues.length || !result.success) throw new ConfigError(file, issues);
  return result.output;
}

export async function loadConfigFile(file: string): Promise<Config> {
  const f = Bun.file(file);
  if (!(await f.exists())) throw new ConfigError(file, [{ path: "", message: "file not found (give the path to routes.json with --routes)" }]);
  return parseConfigText(await f.text(), file);
}

function toIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const keys = (issue.path ?? []).map((p) => p.key as string | number);
  const path = jsonPath(keys);
  if (issue.type === "strict_object" || issue.type === "object" || issue.type === "loose_object") {
    // valibot reports three different problems with this one issue type.
    if (issue.expected === "never") return { path, message: `unknown field ${JSON.stringify(keys.at(-1))} (check its spelling against the routes.json reference)` };
    if (issue.received === "undefined") return { path, message: "required field is missing" };
    return { path, message: `expected an object, got ${issue.received}` };
  }
  if (issue.received === "undefined" && issue.kind === "schema") return { path, message: "required field is missing" };
  return { path, message: issue.message };
}

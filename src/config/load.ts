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
  const result = v.safeParse(configSchema, raw);
  if (!result.success) throw new ConfigError(file, result.issues.map(toIssue));
  const more = semanticIssues(result.output);
  if (more.length) throw new ConfigError(file, more);
  return result.output;
}

export async function loadConfigFile(file: string): Promise<Config> {
  const f = Bun.file(file);
  if (!(await f.exists())) throw new ConfigError(file, [{ path: "", message: "file not found (give the path to routes.json with --routes)" }]);
  return parseConfigText(await f.text(), file);
}

function toIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const keys = (issue.path ?? []).map((p) => p.key as string | number);
  // valibot reports an unknown key of a strict object at the object with the key as "received".
  if (issue.type === "strict_object") {
    const key = issue.path?.at(-1)?.key;
    return { path: jsonPath(keys), message: `unknown field ${JSON.stringify(key)} (check its spelling against the routes.json reference)` };
  }
  if (issue.type === "object" || issue.type === "strict_object") {
    return { path: jsonPath(keys), message: `expected an object, got ${issue.received}` };
  }
  if (issue.input === undefined && issue.expected !== null && issue.kind === "schema") {
    return { path: jsonPath(keys), message: `required field is missing` };
  }
  return { path: jsonPath(keys), message: issue.message };
}

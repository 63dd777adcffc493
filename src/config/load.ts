/** routes.json -> typed Config: read, JSON.parse, validate; every problem at once, with its path. */
import * as v from "valibot";
import { configSchema, type Config } from "./schema.ts";
import { ConfigError, jsonPath, type ConfigIssue } from "./errors.ts";
import { semanticIssues } from "./semantics.ts";
import { findSyntaxError } from "./json-syntax.ts";
import { fieldHint } from "./hints.ts";

/** Where every error message sends the operator (shipped in the repository, docs/). */
export const REFERENCE = "docs/configuration.md";

export function parseConfigText(text: string, file = "routes.json"): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const at = findSyntaxError(text);
    const message = at ? `not valid JSON at line ${at.line}, column ${at.column}: ${at.message}` : `not valid JSON: ${(e as Error).message}`;
    throw new ConfigError(file, [{ path: "", message }]);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: "", message: "expected an object with listeners, pools and routes at the top level" }]);
  }
  const result = v.safeParse(configSchema, raw);
  // Cross-field checks run on the raw JSON too, so one pass reports every problem at once.
  const found = result.success ? [] : result.issues.flatMap(branchIssues);
  const issues = [...withUnknownFields(found, moreUnknownFields(raw, found)).map(toIssue), ...semanticIssues(raw)];
  if (issues.length || !result.success) throw new ConfigError(file, issues);
  return result.output;
}

/** routes.json's text; ConfigError when it is missing or not UTF-8. */
export async function readConfigText(file: string): Promise<string> {
  const f = Bun.file(file);
  if (!(await f.exists())) throw new ConfigError(file, [{ path: "", message: "file not found (give the path to routes.json with --routes)" }]);
  return decodeUtf8(new Uint8Array(await f.arrayBuffer()), file);
}

export async function loadConfigFile(file: string): Promise<Config> {
  return parseConfigText(await readConfigText(file), file);
}

/** RFC 8259 8.1: JSON text is UTF-8. A Latin-1 file would otherwise turn é into U+FFFD unnoticed. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // The longest prefix that is UTF-8 (an unfinished last character allowed) ends at the bad byte.
    const fine = (n: number) => { try { new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, n), { stream: true }); return true; } catch { return false; } };
    let good = 0, bad = bytes.length;
    while (bad - good > 1) { const mid = (good + bad) >> 1; if (fine(mid)) good = mid; else bad = mid; }
    // An unfinished character at the end of that prefix is where it went wrong (é in Latin-1 is
    // a UTF-8 lead byte that the next byte does not continue).
    let at = good;
    while (at > 0 && at > good - 3 && (bytes[at - 1]! & 0xc0) === 0x80) at--;
    if (at > 0 && bytes[at - 1]! >= 0xc0) at--;
    else at = good;
    good = at;
    const text = new TextDecoder().decode(bytes.subarray(0, good));
    const line = text.split("\n").length;
    throw new ConfigError(file, [{ path: "", message: `not UTF-8 at line ${line} (byte ${good + 1}); save the file as UTF-8` }]);
  }
}

/**
 * A union that failed reports one issue at its own path, which hides a mistake inside the branch
 * the value did take (a certificate object with an unknown field read as "expected a list of
 * certificates or \"internal\""). The issues deeper than the union are that branch's: report those.
 */
function branchIssues(issue: v.BaseIssue<unknown>): v.BaseIssue<unknown>[] {
  if (issue.type !== "union" || !issue.issues) return [issue];
  // A branch's issues carry paths relative to the union.
  const deeper = issue.issues.filter((i) => i.path?.length).map((i) => ({ ...i, path: [...(issue.path ?? []), ...i.path!] }) as v.BaseIssue<unknown>);
  return deeper.length ? deeper.flatMap(branchIssues) : [issue];
}

const isUnknownField = (i: v.BaseIssue<unknown>) => (i.type === "strict_object" || i.type === "object" || i.type === "loose_object") && i.expected === "never";

/**
 * valibot's strictObject stops at an object's first unknown field. The others are found by
 * parsing a copy again without the ones already found (only on a failed parse, a few passes).
 */
function moreUnknownFields(raw: object, found: v.BaseIssue<unknown>[]): v.BaseIssue<unknown>[] {
  let unknown = found.filter(isUnknownField);
  if (!unknown.length) return [];
  const copy = structuredClone(raw) as Record<string, unknown>;
  const more: v.BaseIssue<unknown>[] = [];
  const pathOf = (u: v.BaseIssue<unknown>) => jsonPath((u.path ?? []).map((p) => p.key as string | number));
  const seen = new Set(unknown.map(pathOf));
  // Each pass removes what it found and finds at most one more per object; a field met twice
  // (one that could not be removed) ends it.
  while (unknown.length) {
    for (const u of unknown) {
      const keys = (u.path ?? []).map((p) => p.key as string | number);
      let parent: unknown = copy;
      for (const k of keys.slice(0, -1)) parent = (parent as Record<string | number, unknown>)?.[k];
      if (parent && typeof parent === "object") delete (parent as Record<string | number, unknown>)[keys.at(-1)!];
    }
    const again = v.safeParse(configSchema, copy);
    unknown = again.success ? [] : again.issues.flatMap(branchIssues).filter(isUnknownField);
    if (unknown.some((u) => seen.has(pathOf(u)))) break;
    for (const u of unknown) seen.add(pathOf(u));
    more.push(...unknown);
  }
  return more;
}

/** Each further unknown field right after the last issue of the same object, so an object's fields read together. */
function withUnknownFields(found: v.BaseIssue<unknown>[], more: v.BaseIssue<unknown>[]): v.BaseIssue<unknown>[] {
  const parent = (i: v.BaseIssue<unknown>) => jsonPath((i.path ?? []).slice(0, -1).map((p) => p.key as string | number));
  const out = [...found];
  for (const m of more) {
    const at = out.findLastIndex((i) => isUnknownField(i) && parent(i) === parent(m));
    out.splice(at < 0 ? out.length : at + 1, 0, m);
  }
  return out;
}

function toIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const keys = (issue.path ?? []).map((p) => p.key as string | number);
  const path = jsonPath(keys);
  if (issue.type === "strict_object" || issue.type === "object" || issue.type === "loose_object") {
    // valibot reports three different problems with this one issue type.
    if (issue.expected === "never") {
      const field = String(keys.at(-1));
      const hint = fieldHint(field);
      return { path, message: `unknown field ${JSON.stringify(field)}${hint ? `; use ${hint}` : ""} (see ${REFERENCE})` };
    }
    if (issue.received === "undefined") return { path, message: "required field is missing" };
    return { path, message: `expected an object, got ${issue.received}` };
  }
  if (issue.received === "undefined" && issue.kind === "schema") return { path, message: "required field is missing" };
  return { path, message: plainMessage(issue) };
}

const KIND_NAMES: Record<string, string> = { string: "a string", number: "a number", boolean: "true or false", array: "a list" };

/** valibot's default wording ("Invalid type: Expected ...") in the words the other messages use. */
function plainMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.message.startsWith("Invalid type:")) {
    if (issue.type === "picklist" || issue.type === "literal") {
      const options = (issue.expected ?? "").replace(/^\(|\)$/g, "").split(" | ");
      const list = options.length > 1 ? `one of ${options.slice(0, -1).join(", ")} or ${options.at(-1)}` : options[0];
      return `expected ${list}, got ${issue.received}`;
    }
    const kind = KIND_NAMES[issue.type];
    if (kind) return `expected ${kind}, got ${issue.received}`;
  }
  if (issue.type === "integer" && issue.message.startsWith("Invalid integer:")) return `expected a whole number, got ${issue.received}`;
  return issue.message;
}

/**
 * Header value templates: `{route}`, `{member}`, `{client_ip}`, `{host}`, `{scheme}`, and in
 * an `edit` replacement also `$1`..`$99`, `$0`/`$&` (whole match) and `$$` (a literal `$`).
 *
 * Templates are parsed once at config load into literal/variable/group parts, so per request
 * we only concatenate. A value without any `{name}` or `$` reference renders as a constant.
 * @module
 */

export interface RuleVars {
  route: string;
  member: string;
  client_ip: string;
  host: string;
  scheme: string;
}

export const VAR_NAMES: readonly (keyof RuleVars)[] = ["route", "member", "client_ip", "host", "scheme"];

export interface Template {
  /** The value when it has no variable and no group reference; undefined otherwise. */
  readonly constant: string | undefined;
  /** True when a variable is used: only then can a rendered value carry CR/LF from outside. */
  readonly usesVars: boolean;
  /** `groups[0]` is the whole match, `groups[n]` capture group n (undefined when it did not take part). */
  render(vars: RuleVars, groups?: readonly (string | undefined)[]): string;
}

type Part = { lit: string } | { v: keyof RuleVars } | { g: number };

// Only identifier-shaped braces are variables, so a literal JSON-ish value such as `{"a":1}`
// passes through; `{typo}` is rejected rather than sent verbatim.
const VAR_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const VAR_OR_GROUP_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}|\$(\$|&|\d{1,2})/g;
const KNOWN = new Set<string>(VAR_NAMES);

/**
 * Parse `src`; `groupCount` (the regex's capture count) turns on `$` references, as in an
 * `edit` replacement. Outside `edit` a `$` is literal. Throws an Error naming `at`.
 */
export function compileTemplate(src: string, at: string, groupCount?: number): Template {
  const parts: Part[] = [];
  const re = groupCount === undefined ? VAR_RE : VAR_OR_GROUP_RE;
  re.lastIndex = 0;
  let last = 0;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    let end = re.lastIndex;
    const name = m[1];
    const ref = m[2];
    let part: Part;
    if (name !== undefined) {
      if (!KNOWN.has(name)) {
        throw new Error(`${at}: unknown variable {${name}}; known: ${VAR_NAMES.map((n) => `{${n}}`).join(", ")}`);
      }
      part = { v: name as keyof RuleVars };
    } else if (ref === "$") {
      part = { lit: "$" };
    } else if (ref === "&" || ref === "0") {
      part = { g: 0 };
    } else {
      // Like JS String.prototype.replace: `$12` is group 12 if it exists, else group 1 + "2".
      let n = Number(ref);
      if (n > (groupCount ?? 0) && ref !== undefined && ref.length === 2) {
        n = Number(ref[0]);
        end -= 1;
        re.lastIndex = end;
      }
      if (n > (groupCount ?? 0)) {
        throw new Error(`${at}: $${n} refers to a capture group the match does not have (it has ${groupCount ?? 0}); write $$ for a literal $`);
      }
      part = { g: n };
    }
    if (m.index > last) parts.push({ lit: src.slice(last, m.index) });
    parts.push(part);
    last = end;
  }
  if (last < src.length) parts.push({ lit: src.slice(last) });
  return build(parts);
}

function build(parts: Part[]): Template {
  const usesVars = parts.some((p) => "v" in p);
  if (parts.every((p) => "lit" in p)) {
    const constant = parts.map((p) => (p as { lit: string }).lit).join("");
    return { constant, usesVars, render: () => constant };
  }
  return {
    constant: undefined,
    usesVars,
    render(vars, groups) {
      let s = "";
      for (const p of parts) {
        if ("lit" in p) s += p.lit;
        else if ("v" in p) s += vars[p.v];
        else s += groups?.[p.g] ?? "";
      }
      return s;
    },
  };
}

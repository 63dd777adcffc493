/** A config problem with the JSON path of the bad value, so an operator can find it. */
export interface ConfigIssue { path: string; message: string }

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    super(`${file}: ${issues.length} error${issues.length === 1 ? "" : "s"}\n` + issues.map(formatIssue).join("\n"));
    this.issues = issues;
  }
}

export function formatIssue(i: ConfigIssue): string {
  return i.path ? `  ${i.path}: ${i.message}` : `  ${i.message}`;
}

const IDENT = /^[A-Za-z_$][\w$-]*$/;

/** `["pools","api","members",0,"url"]` -> `pools.api.members[0].url` */
export function jsonPath(keys: readonly (string | number)[]): string {
  let out = "";
  for (const k of keys) {
    if (typeof k === "number") out += `[${k}]`;
    else if (IDENT.test(k)) out += out ? `.${k}` : k;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

import type { Runtime } from "./runtime.ts";

/** A config problem with the JSON path of the bad value, so an operator can find it. */
export interface ConfigIssue { path: string; message: string }

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  /**
   * When only files failed (a pool's tls.ca, a route's secretFile): the rest, compiled, so
   * `proxy check` can go on to listeners and ports and name every error at once. Never served.
   */
  readonly partial: Runtime | undefined;
  constructor(file: string, issues: ConfigIssue[], partial?: Runtime) {
    super(`${file}: ${issues.length} error${issues.length === 1 ? "" : "s"}\n` + issues.map(formatIssue).join("\n"));
    this.issues = issues;
    this.partial = partial;
  }
}

/** Runs `read`; the issues of a ConfigError it throws go to `into` (and undefined is returned), other errors pass. */
export function collecting(into: ConfigIssue[]): <T>(read: () => T) => T | undefined {
  return (read) => {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      into.push(...e.issues);
      return undefined;
    }
  };
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

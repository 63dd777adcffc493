/** `proxy check routes.json`: validate, compile, print a summary or every error (nginx -t). */
import { parseConfigText, readConfigText } from "../config/load.ts";
import { ConfigError } from "../config/errors.ts";
import { compile } from "../config/compile.ts";
import type { Runtime } from "../config/runtime.ts";
import { loadListenerTls, TlsLoadError } from "../tls/listener-tls.ts";
import { formatIssue } from "../config/errors.ts";
import { parseArgs } from "node:util";
import { CHECK_HELP } from "./help.ts";
import { usageError } from "./args.ts";
import { preflight } from "./preflight.ts";
import type { Config } from "../config/schema.ts";
import type { Registry } from "../state/registry.ts";
import { unstickableWarnings } from "../config/sticky-check.ts";

export interface Io { out: (s: string) => void; err: (s: string) => void }

/** Loads and compiles, or prints every error and returns undefined. */
/** `readText`: where routes.json's text comes from (a --workers worker may get it on stdin: worker-config.ts). */
export async function loadRuntime(file: string, io: Io, registryFor?: (config: Config) => Registry, readText = readConfigText): Promise<Runtime | undefined> {
  try {
    const config = parseConfigText(await readText(file), file);
    return compile(config, { file, registry: registryFor?.(config) });
  } catch (e) {
    reportLoadError(e, file, io);
    return undefined;
  }
}

function reportLoadError(e: unknown, file: string, io: Io): void {
  io.err(e instanceof ConfigError ? e.message : `${file}: ${(e as Error).message}`);
}

export async function runCheck(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    // --routes F as well as F: the file is named as `proxy --routes F` names it.
    parsed = parseArgs({ args, options: { help: { type: "boolean", short: "h" }, routes: { type: "string" } }, allowPositionals: true, strict: true });
  } catch (e) {
    return usageError(e, CHECK_HELP, io);
  }
  if (parsed.values.help) return io.out(CHECK_HELP), 0;
  const files = [...(parsed.values.routes === undefined ? [] : [parsed.values.routes]), ...parsed.positionals];
  const file = files[0];
  if (!file || files.length > 1) return usageError(new Error("give exactly one file"), CHECK_HELP, io);
  let text;
  try {
    text = await readConfigText(file);
  } catch (e) {
    return reportLoadError(e, file, io), 1;
  }
  const found = await findProblems(file, text, io, false);
  if (typeof found === "string") return io.err(found), 1;
  const { rt, problems } = found;
  if (problems.length) {
    io.err(problemsText(file, problems));
    rt.close();
    return 1;
  }
  io.out(summary(rt));
  io.out(`${file}: configuration is valid`);
  rt.close();
  return 0;
}

export function summary(rt: Runtime): string {
  const lines: string[] = [];
  for (const l of rt.listeners) {
    const kind = l.redirectHttps ? `redirect to https port ${l.redirectHttps.port}` : l.tls ? "https" : "http";
    lines.push(`listener ${l.host}:${l.port} (${kind})`);
  }
  for (const p of rt.pools.values()) {
    const ms = p.pool.members.map((m) => `${m.origin}${m.url.pathname === "/" ? "" : m.url.pathname} w=${m.weight} route=${m.route}${m.standby ? " standby" : ""}${m.state !== "active" ? ` ${m.state}` : ""}`);
    lines.push(`pool ${p.name} (${rt.config.pools[p.name]!.method}): ${ms.join("; ")}`);
  }
  for (const r of [...rt.router.routes()].sort((a, b) => a.index - b.index)) {
    const a = r.action;
    const what = a.kind === "pool" ? `pool ${a.pool.name}` : a.kind === "respond" ? `respond ${a.status}` : `redirect ${a.status} ${a.to}`;
    const ports = r.ports ? ` (ports ${[...r.ports].join(", ")})` : "";
    lines.push(`route ${r.host ?? "*"} ${r.path} -> ${what}${r.rewritePrefix ? ` (rewrite to ${r.rewritePrefix})` : ""}${ports}`);
  }
  return lines.join("\n");
}

/**
 * Every error at once, as `proxy check` names them: a file a pool or route names, a listener's
 * certificates, the access log's directory, the listeners' addresses and the admin's keys are
 * each checked even when another one failed. A schema error (nothing compiled) is the string.
 * `atStart`: a port in use is an error (a check beside the running proxy only warns), and
 * warnings are left to the start-up that failed.
 */
export async function findProblems(file: string, text: string, io: Io, atStart: boolean): Promise<{ rt: Runtime; problems: string[] } | string> {
  const problems: string[] = [];
  let rt: Runtime;
  try {
    rt = compile(parseConfigText(text, file), { file });
  } catch (e) {
    if (!(e instanceof ConfigError && e.partial)) return e instanceof ConfigError ? e.message : `${file}: ${(e as Error).message}`;
    rt = e.partial;
    problems.push(...e.issues.map(formatIssue));
  }
  const warn = atStart ? () => {} : (w: string) => io.err(`warning: ${w}`);
  for (const w of [...rt.warnings, ...unstickableWarnings(rt.config)]) warn(w);
  // A port in use is only a warning in a check: the running proxy itself holds it while its next
  // configuration is checked (as nginx -t before a reload). At start it is an error.
  const pre = preflight(rt);
  if (atStart) problems.push(...pre.inUse.map(formatIssue));
  else for (const i of pre.inUse) warn(`${formatIssue(i).slice(2)} now; \`proxy --routes\` would fail unless that is this proxy`);
  problems.push(...pre.errors.map(formatIssue));
  // Like nginx -t, certificates and keys are loaded too: a wrong passphrase or a key that does
  // not match its certificate is found now, not at the next restart.
  try {
    await loadListenerTls(rt, (level, msg) => level === "info" || (level === "warn" ? warn(msg) : io.err(`${level}: ${msg}`)), { issueInternal: false });
  } catch (e) {
    problems.push(...(e instanceof TlsLoadError ? e.problems : [(e as Error).message]).map((p) => `  ${p}`));
  }
  // The admin's key material too: a short secret or a broken JWKS file is found now.
  const auth = rt.config.admin?.auth;
  if (auth) {
    try {
      const { createVerify } = await import("../admin/auth.ts");
      createVerify(auth, rt.baseDir);
    } catch (e) {
      problems.push(`  ${(e as Error).message}`); // it names its field (admin.auth.secretFile, .jwksFile)
    }
  }
  return { rt, problems };
}

/**
 * Names every problem at start, as `proxy check` would, not only the first kind found; true when
 * something was printed. `failure` is what stopped a start-up, printed as it is when the check
 * finds nothing more (an internal certificate that could not be issued, say); "" when nothing failed yet.
 */
export async function reportAllProblems(file: string, text: string, failure: string, io: Io): Promise<boolean> {
  const found = await findProblems(file, text, io, true);
  if (typeof found === "string") return io.err(found), true;
  found.rt.close();
  const { problems } = found;
  if (problems.length) io.err(problemsText(file, problems));
  else if (failure !== "") io.err(failure);
  return problems.length > 0 || failure !== "";
}

function problemsText(file: string, problems: string[]): string {
  return `${file}: ${problems.length} error${problems.length === 1 ? "" : "s"}\n${problems.join("\n")}`;
}

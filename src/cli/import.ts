/**
 * `proxy import apache|nginx FILE [-o routes.json]`: convert a configuration users already
 * have. routes.json goes to -o (or standard output); every directive not carried over goes to
 * standard error with file:line. Exit 0 when routes.json was written, 1 when nothing could be
 * converted, 2 on a usage error.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Report } from "../import/report.ts";
import { Draft } from "../import/emit.ts";
import { lexApache } from "../import/apache-lexer.ts";
import { importApache } from "../import/apache-vhost.ts";
import { lexNginx } from "../import/nginx-lexer.ts";
import { importNginx } from "../import/nginx.ts";
import { parseConfigText } from "../config/load.ts";
import type { Io } from "./check.ts";

export const IMPORT_HELP = `usage: proxy import apache|nginx FILE [-o routes.json]

Converts an Apache httpd vhost (mod_proxy, mod_proxy_balancer) or an NGINX configuration into
routes.json, written to -o FILE or standard output. Include / include are followed. Every
directive that is not carried over is listed on standard error as file:line, the directive
and why. Exit status: 0 routes.json written, 1 nothing could be converted, 2 usage error.
`;

export async function runImport(args: string[], io: Io): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) return io.out(IMPORT_HELP), 0;
  const rest = [...args];
  let out: string | undefined;
  const o = rest.findIndex((a) => a === "-o" || a === "--output");
  if (o >= 0) {
    out = rest[o + 1];
    if (!out) return io.err(`-o needs a file\n\n${IMPORT_HELP}`), 2;
    rest.splice(o, 2);
  }
  const [kind, file, ...extra] = rest;
  if ((kind !== "apache" && kind !== "nginx") || !file || extra.length) return io.err(IMPORT_HELP), 2;
  if (!existsSync(file) || !statSync(file).isFile()) return io.err(`${file}: no such file`), 2;
  const report = new Report();
  const draft = new Draft(report, out ? dirname(resolve(out)) : process.cwd());
  try {
    if (kind === "apache") importApache(lexApache(file, report), draft, report);
    else importNginx(lexNginx(file, report), draft, report);
  } catch (e) {
    io.err(`${file}: ${(e as Error).message}`);
    return 1;
  }
  for (const line of report.lines()) io.err(line);
  if (!draft.converted()) return io.err(`${file}: nothing could be converted (no listener with a route)`), 1;
  const text = `${JSON.stringify(draft.toJson(), null, 2)}\n`;
  try {
    // The same parser as proxy check: an import never writes a file the proxy would refuse.
    parseConfigText(text, out ?? "routes.json");
  } catch (e) {
    io.err(`the converted configuration is not valid (a bug in the importer, please report it):\n${(e as Error).message}`);
    return 1;
  }
  if (out) writeFileSync(out, text);
  else io.out(text.trimEnd());
  io.err(`${file}: ${report.entries.filter((e) => e.kind === "skipped").length} directive(s) not carried over, ${report.entries.filter((e) => e.kind === "note").length} note(s)${out ? `; wrote ${out}` : ""}`);
  return 0;
}

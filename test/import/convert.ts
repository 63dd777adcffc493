/** Test helper: convert configuration text (written to a temp dir) in-process. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "../e2e/harness.ts";
import { Report } from "../../src/import/report.ts";
import { Draft, type Json } from "../../src/import/emit.ts";
import { lexApache } from "../../src/import/apache-lexer.ts";
import { importApache } from "../../src/import/apache-vhost.ts";
import { lexNginx } from "../../src/import/nginx-lexer.ts";
import { importNginx } from "../../src/import/nginx.ts";

export interface Converted { json: Json; lines: string[]; draft: Draft; file: string; dir: string }

/** `files` maps names (the first is the main file) to text. */
export function convert(kind: "apache" | "nginx", files: Record<string, string> | string): Converted {
  const dir = tempDir();
  const all = typeof files === "string" ? { "main.conf": files } : files;
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const file = join(dir, Object.keys(all)[0]!);
  const report = new Report();
  const draft = new Draft(report, dir);
  if (kind === "apache") importApache(lexApache(file, report), draft, report);
  else importNginx(lexNginx(file, report), draft, report);
  return { json: draft.toJson(), lines: report.lines().map((l) => l.slice(dir.length + 1)), draft, file, dir };
}

export const pools = (c: Converted) => c.json.pools as Record<string, Json & { members: Json[] }>;
export const routes = (c: Converted) => c.json.routes as Json[];

/**
 * Apache httpd configuration text -> a tree of directives and <Sections>, with Include and
 * IncludeOptional expanded in place (httpd reads them where they stand). Follows httpd's
 * ap_getword_conf: words split on white space, "..." or '...' quoting with \" as the only
 * escape, a trailing backslash continues the line, # starts a comment only at a line's start.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Node, Report } from "./report.ts";

export function apacheWords(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const q = s[i];
    let w = "";
    if (q === '"' || q === "'") {
      i++;
      while (i < s.length && s[i] !== q) {
        if (s[i] === "\\" && s[i + 1] === q) { w += q; i += 2; } else w += s[i++];
      }
      i++;
    } else {
      while (i < s.length && !/\s/.test(s[i]!)) w += s[i++];
    }
    out.push(w);
  }
  return out;
}

interface Ctx { report: Report; serverRoot?: string; depth: number }

export function lexApache(file: string, report: Report): Node[] {
  return lexFile(file, { report, depth: 0 });
}

function lexFile(file: string, ctx: Ctx): Node[] {
  const root: Node[] = [];
  const open: Node[] = [];
  const into = () => (open.length ? open.at(-1)!.children! : root);
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!.trim();
    while (text.endsWith("\\") && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (!text || text.startsWith("#")) continue;
    const loc = { file, line: start + 1 };
    const close = /^<\/([^>\s]+)\s*>$/.exec(text);
    if (close) {
      const name = close[1]!.toLowerCase();
      const at = open.findLastIndex((n) => n.name === `<${name}`);
      if (at < 0) ctx.report.skip({ loc, text }, "closes a section that is not open; ignored");
      else {
        for (const n of open.splice(at).slice(1)) ctx.report.note(n, `never closed (httpd refuses to start); closed at ${text} on line ${loc.line}`);
      }
      continue;
    }
    const section = /^<([^\s>]+)\s*([^>]*)>$/.exec(text);
    if (section) {
      const node: Node = { name: `<${section[1]!.toLowerCase()}`, args: apacheWords(section[2]!), loc, text, children: [] };
      into().push(node);
      open.push(node);
      continue;
    }
    const [name, ...args] = apacheWords(text);
    const node: Node = { name: name!.toLowerCase(), args, loc, text };
    if (node.name === "serverroot" && args[0]) ctx.serverRoot = args[0];
    if (node.name === "include" || node.name === "includeoptional") into().push(...include(node, file, ctx));
    else into().push(node);
  }
  for (const n of open) ctx.report.note(n, "never closed (httpd refuses to start); treated as closed at the end of the file");
  return root;
}

/** httpd resolves a relative Include against ServerRoot; without one, the including file's directory. */
function include(node: Node, from: string, ctx: Ctx): Node[] {
  const pattern = node.args[0];
  const optional = node.name === "includeoptional";
  if (!pattern) return ctx.report.skip(node, "no file given"), [];
  if (ctx.depth > 16) return ctx.report.skip(node, "includes nest deeper than 16 levels (a loop?)"), [];
  const base = ctx.serverRoot ?? dirname(from);
  const full = isAbsolute(pattern) ? pattern : resolve(base, pattern);
  const files = expand(full);
  if (!files.length) {
    if (!optional) ctx.report.skip(node, `no file matches ${full}`);
    return [];
  }
  return files.flatMap((f) => lexFile(f, { ...ctx, depth: ctx.depth + 1 }));
}

/** A path, a directory (every file in it, sorted, as httpd) or a wildcard in the last part. */
function expand(full: string): string[] {
  if (existsSync(full)) {
    if (!statSync(full).isDirectory()) return [full];
    return readdirSync(full).sort().map((f) => join(full, f)).filter((f) => statSync(f).isFile());
  }
  if (!/[*?[]/.test(full)) return [];
  const dir = dirname(full);
  if (!existsSync(dir)) return [];
  const glob = new Bun.Glob(full.slice(dir.length + 1));
  return readdirSync(dir).filter((f) => glob.match(f)).sort().map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

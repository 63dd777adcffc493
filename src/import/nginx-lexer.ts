/**
 * NGINX configuration text -> a tree of directives and blocks, with `include` expanded in
 * place. Tokens as ngx_conf_file.c reads them: words, "..." and '...' with backslash escapes,
 * `#` comments to the end of the line, `;` ends a directive, `{ }` a block.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Loc, Node, Report } from "./report.ts";

interface Token { t: string; line: number; quoted: boolean }

export function nginxTokens(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === "#") { while (i < src.length && src[i] !== "\n") i++; continue; }
    // `{node-ip-address}:9443`: a documentation placeholder, kept as one word so the report can
    // name it (nginx itself would stop at the brace).
    const placeholder = c === "{" && /^\{[\w.-]+\}/.test(src.slice(i, i + 80));
    if (!placeholder && (c === "{" || c === "}" || c === ";")) { out.push({ t: c, line, quoted: false }); i++; continue; }
    const start = line;
    let w = "";
    if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === "\\" && i + 1 < src.length) { w += src[i + 1]; i += 2; continue; }
        if (src[i] === "\n") line++;
        w += src[i++];
      }
      i++;
      out.push({ t: w, line: start, quoted: true });
      continue;
    }
    while (i < src.length && (!/[\s;{}]/.test(src[i]!) || (src[i] === "{" && /^\{[\w.-]+\}/.test(src.slice(i, i + 80))))) {
      if (src[i] === "{") { const end = src.indexOf("}", i); w += src.slice(i, end + 1); i = end + 1; } else w += src[i++];
    }
    out.push({ t: w, line: start, quoted: false });
  }
  return out;
}

export function lexNginx(file: string, report: Report): Node[] {
  return lexFile(file, dirname(resolve(file)), report, 0);
}

function lexFile(file: string, prefix: string, report: Report, depth: number): Node[] {
  const tokens = nginxTokens(readFileSync(file, "utf8"));
  let at = 0;
  const block = (open?: Loc): Node[] => {
    const nodes: Node[] = [];
    let words: Token[] = [];
    while (at < tokens.length) {
      const tok = tokens[at++]!;
      if (!tok.quoted && tok.t === "}") {
        if (!open) report.skip({ loc: { file, line: tok.line }, text: "}" }, "closes a block that is not open; ignored");
        else return nodes;
        continue;
      }
      if (tok.quoted || (tok.t !== ";" && tok.t !== "{")) { words.push(tok); continue; }
      if (!words.length) continue;
      const loc = { file, line: words[0]!.line };
      const [name, ...args] = words.map((w) => w.t);
      const text = words.map((w) => (w.quoted ? JSON.stringify(w.t) : w.t)).join(" ");
      words = [];
      const node: Node = { name: name!, args, loc, text };
      if (tok.t === "{") node.children = block(loc);
      if (node.name === "include" && !node.children) nodes.push(...include(node, prefix, report, depth));
      else nodes.push(node);
    }
    if (words.length) report.skip({ loc: { file, line: words[0]!.line }, text: words.map((w) => w.t).join(" ") }, "missing ; at the end of the file");
    if (open) report.note({ loc: open, text: "{" }, "block never closed (nginx refuses to start); closed at the end of the file");
    return nodes;
  };
  return block();
}

/** nginx resolves a relative include against its configuration prefix: here the main file's directory. */
function include(node: Node, prefix: string, report: Report, depth: number): Node[] {
  const pattern = node.args[0];
  if (!pattern) return report.skip(node, "no file given"), [];
  if (depth > 16) return report.skip(node, "includes nest deeper than 16 levels (a loop?)"), [];
  const full = isAbsolute(pattern) ? pattern : resolve(prefix, pattern);
  let files: string[] = [];
  if (existsSync(full) && statSync(full).isFile()) files = [full];
  else if (/[*?[]/.test(full) && existsSync(dirname(full))) {
    const glob = new Bun.Glob(full.slice(dirname(full).length + 1));
    files = readdirSync(dirname(full)).filter((f) => glob.match(f)).sort().map((f) => join(dirname(full), f));
  }
  // nginx fails on a missing plain include but accepts a wildcard that matches nothing.
  if (!files.length && !/[*?[]/.test(full)) report.skip(node, `no file ${full}`);
  return files.flatMap((f) => lexFile(f, prefix, report, depth + 1));
}

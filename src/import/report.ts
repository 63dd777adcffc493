/**
 * What an import left out, with file:line: the promise that no directive is dropped
 * silently. Both lexers produce `Node`s, so both converters report the same way.
 */
export interface Loc { file: string; line: number }

/** One directive (or block) as read: lower-cased name for dispatch, the text for the report. */
export interface Node { name: string; args: string[]; loc: Loc; text: string; children?: Node[] }

export interface Entry { loc: Loc; directive: string; why: string; kind: "skipped" | "note" }

/** A node and every directive and section inside it. */
export const within = (n: Node): Node[] => [n, ...(n.children ?? []).flatMap(within)];

export class Report {
  readonly entries: Entry[] = [];
  private readonly seen = new Set<string>();
  /** A directive that is not carried over, and why (once, however many routes inherit it). */
  skip(node: Pick<Node, "loc" | "text">, why: string): void {
    if (this.once(node, why)) this.entries.push({ loc: node.loc, directive: node.text, why, kind: "skipped" });
  }
  /** A directive carried over with a difference the operator should know about. */
  note(node: Pick<Node, "loc" | "text">, why: string): void {
    if (this.once(node, why)) this.entries.push({ loc: node.loc, directive: node.text, why, kind: "note" });
  }
  /**
   * A site (vhost, server) that is never used: it and every directive in it are not carried
   * over, and the notes already made on them (how they would have been carried) are withdrawn.
   */
  skipBlock(node: Node, why: string): void {
    const nodes = within(node);
    const inside = new Set(nodes.map((n) => `${n.loc.file}:${n.loc.line}:${n.text}`));
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.kind === "note" && inside.has(`${e.loc.file}:${e.loc.line}:${e.directive}`)) this.entries.splice(i, 1);
    }
    for (const n of nodes) this.skip(n, why);
  }
  /** Two directives on one line (NGINX allows it) are two entries: the key holds the directive's text. */
  private once(node: Pick<Node, "loc" | "text">, why: string): boolean {
    const key = `${node.loc.file}:${node.loc.line}:${node.text}:${why}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
  lines(): string[] {
    const files = [...new Set(this.entries.map((e) => e.loc.file))];
    const order = [...this.entries].sort((a, b) => files.indexOf(a.loc.file) - files.indexOf(b.loc.file) || a.loc.line - b.loc.line);
    return order.map((e) => `${e.loc.file}:${e.loc.line}: ${e.kind === "skipped" ? "not carried over" : "note"}: ${clip(e.directive)}: ${e.why}`);
  }
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 100 ? `${one.slice(0, 97)}...` : one;
}

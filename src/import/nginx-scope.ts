/**
 * NGINX's inheritance of directives between http, server and location: a directive set at a
 * level replaces the outer levels' (proxy_set_header as a whole list: a level that sets one
 * header inherits none). Remembers what was read, so what nothing read can be reported.
 */
import type { Node, Report } from "./report.ts";

export class Scope {
  private readonly own = new Map<string, Node[]>();
  private readonly used = new Set<string>();
  private readonly parent?: Scope;
  constructor(parent?: Scope) { this.parent = parent; }
  child(): Scope { return new Scope(this); }
  add(n: Node): void { this.own.set(n.name, [...(this.own.get(n.name) ?? []), n]); }
  /** The innermost level that sets the directive wins entirely. */
  get(name: string): Node[] {
    this.used.add(name);
    return this.own.get(name) ?? this.parent?.get(name) ?? [];
  }
  take(name: string): Node[] { return this.get(name); }
  /** Every level above this one that sets it too (what NGINX does not inherit here). */
  outer(name: string): Node[] {
    const mine = this.own.has(name);
    const up: Node[] = [];
    for (let s = this.parent; s; s = s.parent) { up.push(...(s.own.get(name) ?? [])); s.used.add(name); }
    return mine ? up : [];
  }
  ownGet(name: string): Node[] { this.used.add(name); return this.own.get(name) ?? []; }
  reportUnused(report: Report): void {
    for (const [name, nodes] of this.own) if (!this.used.has(name)) for (const n of nodes) report.skip(n, "not converted");
  }
}

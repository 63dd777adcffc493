/** Every field path of a JSON Schema, as docs/configuration.md names them: `pools.NAME.members[].url`. */
type Node = { properties?: Record<string, Node>; items?: Node; additionalProperties?: Node | boolean; anyOf?: Node[]; oneOf?: Node[]; allOf?: Node[] };

export function schemaPaths(node: Node, prefix = "", out: string[] = []): string[] {
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) schemaPaths(branch, prefix, out);
  if (node.items) schemaPaths(node.items, `${prefix}[]`, out);
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!out.includes(path)) out.push(path);
    schemaPaths(child, path, out);
  }
  // A record of objects (pools) is documented under a placeholder key; a record of strings
  // (header maps) is a value, not fields.
  const extra = node.additionalProperties;
  if (typeof extra === "object" && (extra.properties || extra.anyOf)) schemaPaths(extra, `${prefix}.NAME`, out);
  return out;
}

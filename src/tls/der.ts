// A minimal DER reader: just enough to walk PKCS#8 EncryptedPrivateKeyInfo and
// PBES2 parameters, whose schemas @peculiar/x509 does not expose.

export interface Der {
  tag: number;
  /** the value bytes (without tag and length) */
  value: Uint8Array;
}

export function readDer(buf: Uint8Array, offset = 0): { node: Der; end: number } {
  const tag = buf[offset];
  let lenByte = buf[offset + 1];
  if (tag === undefined || lenByte === undefined) throw new Error("DER: truncated data");
  let pos = offset + 2;
  let len = lenByte;
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f;
    if (n === 0 || n > 4) throw new Error("DER: unsupported length encoding");
    len = 0;
    for (let i = 0; i < n; i++) {
      lenByte = buf[pos++];
      if (lenByte === undefined) throw new Error("DER: truncated length");
      len = len * 256 + lenByte;
    }
  }
  if (pos + len > buf.length) throw new Error("DER: length runs past the end of the data");
  return { node: { tag, value: buf.subarray(pos, pos + len) }, end: pos + len };
}

/** Children of a constructed node (SEQUENCE, SET, ...). */
export function children(node: Der): Der[] {
  const out: Der[] = [];
  let pos = 0;
  while (pos < node.value.length) {
    const { node: child, end } = readDer(node.value, pos);
    out.push(child);
    pos = end;
  }
  return out;
}

export function expectTag(node: Der | undefined, tag: number, what: string): Der {
  if (!node || node.tag !== tag) throw new Error(`DER: expected ${what}`);
  return node;
}

export function oidToString(node: Der): string {
  const v = expectTag(node, 0x06, "OBJECT IDENTIFIER").value;
  const first = v[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let acc = 0;
  for (let i = 1; i < v.length; i++) {
    const b = v[i] ?? 0;
    acc = acc * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(acc);
      acc = 0;
    }
  }
  return parts.join(".");
}

export function intToNumber(node: Der): number {
  let n = 0;
  for (const b of expectTag(node, 0x02, "INTEGER").value) n = n * 256 + b;
  return n;
}

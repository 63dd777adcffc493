// PEM blocks (RFC 7468) plus the legacy RFC 1421 headers that `openssl genrsa -des3`
// writes ("Proc-Type: 4,ENCRYPTED" / "DEK-Info: ..."): they tell an encrypted key apart.

export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  der: Uint8Array;
  /** The block as it stood in the file, for node:crypto. */
  text: string;
}

/** A private key in any form `proxy cert` and the listeners read (PKCS#8, PKCS#1, SEC1, encrypted). */
export const PRIVATE_KEY_BLOCK = /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1] ?? "";
    const body = m[2] ?? "";
    const headers: Record<string, string> = {};
    const b64: string[] = [];
    for (const line of body.split(/\r?\n/)) {
      const h = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (h?.[1] && h[2] !== undefined) headers[h[1]] = h[2].trim();
      else b64.push(line.trim());
    }
    blocks.push({ label, headers, der: new Uint8Array(Buffer.from(b64.join(""), "base64")), text: m[0] });
  }
  return blocks;
}

export function toPem(label: string, der: Uint8Array | ArrayBuffer): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** First block with one of the labels, or a clear error naming what was found instead. */
export function findBlock(text: string, labels: string[], what: string): PemBlock {
  const blocks = parsePem(text);
  const hit = blocks.find((b) => labels.includes(b.label));
  if (hit) return hit;
  const found = blocks.map((b) => b.label).join(", ") || "no PEM block";
  throw new Error(`${what}: expected PEM ${labels.join(" or ")}, found ${found}`);
}

// PEM blocks (RFC 7468) plus the legacy RFC 1421 headers that `openssl genrsa -des3`
// writes ("Proc-Type: 4,ENCRYPTED" / "DEK-Info: ..."), because operators still have
// those keys and we must read them without asking them to convert anything.
import { createDecipheriv, createHash } from "node:crypto";

export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  der: Uint8Array;
}

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
    blocks.push({ label, headers, der: new Uint8Array(Buffer.from(b64.join(""), "base64")) });
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

// OpenSSL's legacy PEM ciphers: name -> [node cipher, key length].
const LEGACY: Record<string, [string, number]> = {
  "DES-EDE3-CBC": ["des-ede3-cbc", 24],
  "DES-CBC": ["des-cbc", 8],
  "AES-128-CBC": ["aes-128-cbc", 16],
  "AES-192-CBC": ["aes-192-cbc", 24],
  "AES-256-CBC": ["aes-256-cbc", 32],
};

/** OpenSSL EVP_BytesToKey with MD5 and one iteration: the legacy PEM key derivation. */
export function bytesToKey(pass: Uint8Array, salt: Uint8Array, keyLen: number): Buffer {
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  let total = 0;
  while (total < keyLen) {
    prev = createHash("md5").update(prev).update(pass).update(salt).digest();
    out.push(prev);
    total += prev.length;
  }
  return Buffer.concat(out).subarray(0, keyLen);
}

/** Decrypts a legacy "Proc-Type: 4,ENCRYPTED" block; returns the inner DER (PKCS#1 or SEC1). */
export function decryptLegacyPem(block: PemBlock, passphrase: string, what: string): Uint8Array {
  const dek = block.headers["DEK-Info"] ?? "";
  const [name = "", ivHex = ""] = dek.split(",");
  const spec = LEGACY[name.toUpperCase()];
  if (!spec) throw new Error(`${what}: unsupported legacy PEM cipher "${name}" (convert with: openssl pkey -in KEY -out KEY.pk8)`);
  const iv = Buffer.from(ivHex.trim(), "hex");
  const key = bytesToKey(Buffer.from(passphrase, "utf8"), iv.subarray(0, 8), spec[1]);
  try {
    const d = createDecipheriv(spec[0], key, iv);
    return new Uint8Array(Buffer.concat([d.update(block.der), d.final()]));
  } catch {
    throw new Error(`${what}: cannot decrypt: wrong passphrase`);
  }
}

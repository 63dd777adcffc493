// Why a certificate or key file cannot be read, named so the operator can act on it. OpenSSL's
// own words for these ("PUBLIC_KEY_DECODE_ERROR", "BAD_END_LINE", "no PEM block") say nothing
// about the three usual causes: a binary file from a Java keystore or Windows export, a PEM cut
// while copying, and a key on a curve TLS does not use. Only error paths call this.

import { parsePem } from "./pem.ts";

/** P-256, P-384 and P-521 are what BoringSSL, browsers and Java take for TLS (RFC 8422 5.1.1). */
const CURVES: { name: string; oid: number[]; ok: boolean }[] = [
  { name: "P-256", oid: [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07], ok: true },
  { name: "P-384", oid: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22], ok: true },
  { name: "P-521", oid: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23], ok: true },
  { name: "secp256k1", oid: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a], ok: false },
  // brainpoolP256r1/384r1/512r1 share this prefix (RFC 5639 A.1).
  { name: "a brainpool curve", oid: [0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01], ok: false },
];

function contains(hay: Uint8Array, needle: number[]): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The curve's name when a certificate's or key's DER names an EC curve TLS does not use. */
export function unsupportedCurve(der: Uint8Array): string | undefined {
  const hit = CURVES.find((c) => contains(der, c.oid));
  return hit && !hit.ok ? hit.name : undefined;
}

/** `which`: "the key", or "certificate 2 in this file" when a later block of a chain is the one. */
export function curveProblem(der: Uint8Array, file: string, which = "the key"): string | undefined {
  const curve = unsupportedCurve(der);
  if (!curve) return undefined;
  const what = which === "the key" ? "the key is" : `${which} has a key`;
  return `${file}: ${what} on ${curve}, which TLS does not use (BoringSSL, browsers and Java take P-256, P-384 and P-521); make a P-256 key: proxy cert issue/csr (the default) or openssl ecparam -name prime256v1 -genkey`;
}

/**
 * What a DER file holds, by its first fields: a PKCS#12 PFX is SEQUENCE { INTEGER 3 } (RFC 7292
 * 4), a key SEQUENCE { INTEGER 0 or 1 } (PKCS#8, PKCS#1, SEC1), a certificate SEQUENCE { SEQUENCE }.
 * A text file that merely starts with "0" has no valid length after it.
 */
function derKind(b: Uint8Array): "pkcs12" | "key" | "certificate" | undefined {
  if (b[0] !== 0x30 || b.length < 5) return undefined;
  const len = b[1]!;
  if (len >= 0x80 && (len < 0x81 || len > 0x84)) return undefined;
  if (len < 0x80 && len + 2 !== b.length) return undefined;
  const at = len < 0x80 ? 2 : 2 + (len & 0x7f);
  if (b[at] === 0x30) return "certificate";
  if (b[at] !== 0x02 || b[at + 1] !== 0x01) return undefined;
  return b[at + 2] === 0x03 ? "pkcs12" : "key";
}

/**
 * Why `bytes` (the file `file`, expected to hold a PEM `what`) holds no usable PEM block, or
 * undefined when none of the known causes applies.
 */
export function pemProblem(bytes: Uint8Array, file: string, what: "certificate" | "key"): string | undefined {
  const kind = derKind(bytes);
  if (kind === "pkcs12") return `${file} is a PKCS#12 (.pfx/.p12) bundle, not PEM; split it with: openssl pkcs12 -in ${file} -nokeys -out cert.pem, and openssl pkcs12 -in ${file} -nocerts -nodes -out key.pem`;
  if (kind) {
    const cmd = kind === "certificate" ? `openssl x509 -inform der -in ${file} -out cert.pem` : `openssl pkey -inform der -in ${file} -out key.pem`;
    return `${file} is ${kind === what ? "" : `a ${kind} in `}DER (binary), not PEM; convert it with: ${cmd}`;
  }
  return unterminated(new TextDecoder().decode(bytes), file);
}

/** A BEGIN line without its END (a file cut while copying): BoringSSL takes the blocks before it and then fails the whole file at load. */
export function unterminated(text: string, file: string): string | undefined {
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)) {
    if (!text.includes(`-----END ${m[1]}-----`, m.index)) return `${file}: the BEGIN ${m[1]} block has no END line (truncated, or cut while copying?)`;
  }
  return undefined;
}

/** The first known cause for a file that failed to load: a curve in one of its blocks, else pemProblem. */
export function explainUnreadable(text: string, bytes: () => Uint8Array, file: string, what: "certificate" | "key"): string | undefined {
  const blocks = parsePem(text);
  for (const [i, b] of blocks.entries()) {
    const c = curveProblem(b.der, file, i === 0 ? "the key" : `${b.label === "CERTIFICATE" ? "certificate" : "block"} ${i + 1} in this file`);
    if (c) return c;
  }
  return pemProblem(bytes(), file, what);
}

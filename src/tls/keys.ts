// Private keys: generate, write (optionally encrypted), and read every form operators have:
// PKCS#8, PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY", legacy `genrsa -des3` PEM
// encryption and PKCS#8 PBES2. Everything is normalised to unencrypted PKCS#8, which both
// Bun.serve and WebCrypto accept.
import { createDecipheriv, createPrivateKey, createPublicKey, pbkdf2Sync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { children, expectTag, intToNumber, oidToString, readDer } from "./der.ts";
import { decryptLegacyPem, findBlock, toPem } from "./pem.ts";

export type KeyType = "ec" | "rsa";

const KEY_LABELS = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"];

export async function generateKeyPair(keyType: KeyType = "ec", rsaBits = 2048): Promise<CryptoKeyPair> {
  const alg =
    keyType === "rsa"
      ? { name: "RSASSA-PKCS1-v1_5", modulusLength: rsaBits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
      : { name: "ECDSA", namedCurve: "P-256" };
  return (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return toPem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", key));
}

/** PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC): what `openssl pkey -passin` reads. */
export function encryptPrivateKeyPem(pkcs8Pem: string, passphrase: string): string {
  return createPrivateKey(pkcs8Pem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }) as string;
}

const PRF: Record<string, string> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.8": "sha224",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
};
const CIPHER: Record<string, [string, number]> = {
  "2.16.840.1.101.3.4.1.2": ["aes-128-cbc", 16],
  "2.16.840.1.101.3.4.1.22": ["aes-192-cbc", 24],
  "2.16.840.1.101.3.4.1.42": ["aes-256-cbc", 32],
  "1.2.840.113549.3.7": ["des-ede3-cbc", 24],
  "1.3.14.3.2.7": ["des-cbc", 8],
};
const PBES2 = "1.2.840.113549.1.5.13";
const PBKDF2 = "1.2.840.113549.1.5.12";
const REENCRYPT = "re-encrypt with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.new";

/** Decrypts "ENCRYPTED PRIVATE KEY" (PKCS#8 PBES2 + PBKDF2); returns PKCS#8 DER. */
export function decryptPkcs8(der: Uint8Array, passphrase: string, what: string): Uint8Array {
  const [algId, data] = children(readDer(der).node);
  const [schemeOid, params] = children(expectTag(algId, 0x30, "AlgorithmIdentifier"));
  const scheme = schemeOid ? oidToString(schemeOid) : "";
  if (scheme !== PBES2 || !params) throw new Error(`${what}: unsupported key encryption ${scheme} (only PBES2); ${REENCRYPT}`);
  const [kdf, enc] = children(params);
  const [kdfOid, kdfParams] = children(expectTag(kdf, 0x30, "keyDerivationFunc"));
  if (!kdfOid || oidToString(kdfOid) !== PBKDF2 || !kdfParams) throw new Error(`${what}: unsupported key derivation (only PBKDF2; scrypt is not supported); ${REENCRYPT}`);
  const [salt, iter, ...rest] = children(kdfParams);
  let hash = "sha1"; // RFC 8018 default PRF
  for (const r of rest) {
    const oid = r.tag === 0x30 ? children(r)[0] : undefined;
    if (oid) hash = PRF[oidToString(oid)] ?? `unknown PRF ${oidToString(oid)}`;
  }
  const [encOid, iv] = children(expectTag(enc, 0x30, "encryptionScheme"));
  const cipher = encOid ? CIPHER[oidToString(encOid)] : undefined;
  if (!cipher || !iv) throw new Error(`${what}: unsupported key cipher ${encOid ? oidToString(encOid) : "?"}; ${REENCRYPT}`);
  if (!hash.startsWith("sha")) throw new Error(`${what}: ${hash}; ${REENCRYPT}`);
  const saltBytes = expectTag(salt, 0x04, "PBKDF2 salt").value;
  const key = pbkdf2Sync(Buffer.from(passphrase, "utf8"), saltBytes, intToNumber(iter ?? { tag: 0, value: new Uint8Array() }), cipher[1], hash);
  try {
    const d = createDecipheriv(cipher[0], key, expectTag(iv, 0x04, "cipher IV").value);
    return new Uint8Array(Buffer.concat([d.update(expectTag(data, 0x04, "encryptedData").value), d.final()]));
  } catch {
    throw new Error(`${what}: cannot decrypt: wrong passphrase`);
  }
}

/** Parses any supported private key PEM into a node KeyObject (decrypting it when needed). */
export function loadPrivateKey(pem: string, passphrase?: string, what = "private key"): KeyObject {
  const block = findBlock(pem, KEY_LABELS, what);
  const encrypted = block.label === "ENCRYPTED PRIVATE KEY" || block.headers["Proc-Type"]?.includes("ENCRYPTED");
  if (encrypted && passphrase === undefined) throw new Error(`${what}: key is encrypted: a passphrase is needed`);
  let der = block.der;
  let type: "pkcs8" | "pkcs1" | "sec1" = "pkcs8";
  if (block.label === "ENCRYPTED PRIVATE KEY") der = decryptPkcs8(der, passphrase ?? "", what);
  else if (encrypted) der = decryptLegacyPem(block, passphrase ?? "", what);
  if (block.label === "RSA PRIVATE KEY") type = "pkcs1";
  if (block.label === "EC PRIVATE KEY") type = "sec1";
  try {
    return createPrivateKey({ key: Buffer.from(der), format: "der", type });
  } catch {
    // Padding checks pass by chance for ~1 in 256 wrong passphrases; the DER is then garbage.
    if (encrypted) throw new Error(`${what}: cannot decrypt: wrong passphrase`);
    throw new Error(`${what}: not a valid ${block.label} (damaged file?)`);
  }
}

export async function decryptPrivateKeyPem(pem: string, passphrase?: string): Promise<string> {
  return loadPrivateKey(pem, passphrase).export({ type: "pkcs8", format: "pem" }) as string;
}

/** Structural stand-ins for the DOM WebCrypto dictionaries (lib has no DOM here). */
export interface SignAlgorithm { name: string; hash?: string }
type ImportAlgorithm = { name: string; hash?: string; namedCurve?: string };

export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** signature algorithm for @peculiar/x509 (hash matched to the curve size) */
  signingAlgorithm: SignAlgorithm;
}

const CURVES: Record<string, [string, string]> = {
  prime256v1: ["P-256", "SHA-256"],
  secp384r1: ["P-384", "SHA-384"],
  secp521r1: ["P-521", "SHA-512"],
};

/** Imports a key PEM into WebCrypto for signing certificates and CSRs. */
export async function importSigningKey(pem: string, passphrase?: string, what = "private key"): Promise<SigningKey> {
  const ko = loadPrivateKey(pem, passphrase, what);
  const pkcs8 = ko.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(ko).export({ type: "spki", format: "der" });
  let alg: ImportAlgorithm;
  let signingAlgorithm: SignAlgorithm;
  if (ko.asymmetricKeyType === "rsa") {
    alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    signingAlgorithm = { name: "RSASSA-PKCS1-v1_5" };
  } else if (ko.asymmetricKeyType === "ec") {
    const curve = CURVES[ko.asymmetricKeyDetails?.namedCurve ?? ""];
    if (!curve) throw new Error(`${what}: unsupported EC curve ${ko.asymmetricKeyDetails?.namedCurve} (use P-256, P-384 or P-521)`);
    alg = { name: "ECDSA", namedCurve: curve[0] };
    signingAlgorithm = { name: "ECDSA", hash: curve[1] };
  } else {
    throw new Error(`${what}: unsupported key type ${ko.asymmetricKeyType} (use RSA or EC)`);
  }
  return {
    privateKey: await crypto.subtle.importKey("pkcs8", pkcs8, alg, true, ["sign"]),
    publicKey: await crypto.subtle.importKey("spki", spki, alg, true, ["verify"]),
    signingAlgorithm,
  };
}

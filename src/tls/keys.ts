// Private keys: generate, write (optionally encrypted), and read every form operators have:
// PKCS#8, PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY", legacy `genrsa -des3` PEM
// encryption and PKCS#8 PBES2 (all read by node:crypto). Everything is normalised to
// unencrypted PKCS#8, which both Bun.serve and WebCrypto accept.
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { findBlock, toPem } from "./pem.ts";
import { curveProblem } from "./pem-hints.ts";

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

/**
 * Parses any private key PEM into a node KeyObject, decrypting it when needed. node:crypto's
 * createPrivateKey reads every form operators have (PKCS#8, PKCS#1, SEC1, PKCS#8 PBES2 and the
 * legacy `genrsa -des3` "Proc-Type: 4,ENCRYPTED" PEM), so nothing here decrypts by hand; we only
 * pick the key's block out of a file that may hold certificates too, and word the errors.
 */
export function loadPrivateKey(pem: string, passphrase?: string, what = "private key"): KeyObject {
  const block = findBlock(pem, KEY_LABELS, what);
  const encrypted = block.label === "ENCRYPTED PRIVATE KEY" || block.headers["Proc-Type"]?.includes("ENCRYPTED");
  if (encrypted && passphrase === undefined) throw new Error(`${what}: key is encrypted: a passphrase is needed`);
  try {
    return createPrivateKey(encrypted ? { key: block.text, format: "pem", passphrase: passphrase ?? "" } : { key: block.text, format: "pem" });
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    if (encrypted && /DECRYPT|BAD_PASSWORD|DECODE/.test(code)) throw new Error(`${what}: cannot decrypt: wrong passphrase`);
    if (encrypted) throw new Error(`${what}: cannot read this encrypted key (${(e as Error).message}); re-encrypt with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.new`);
    throw new Error(curveProblem(block.der, what) ?? `${what}: not a valid ${block.label} (damaged file?)`);
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

// A certificate file and its key, read the one way every TLS setting reads them: a listener's
// server certificate (listener-tls.ts) and a pool's client certificate (upstream-files.ts).
// Each problem is a PairError naming the field to fix, in words that say the fix (pem-hints.ts).
import type { KeyObject } from "node:crypto";
import { certFacts, certIndexForKey, keyFitsCert } from "./cert-facts.ts";
import type { CertSummary } from "./cert-warnings.ts";
import { loadPrivateKey } from "./keys.ts";
import { parsePem } from "./pem.ts";
import { explainUnreadable, pemProblem, unterminated } from "./pem-hints.ts";

export class PairError extends Error {
  readonly field: "cert" | "key";
  constructor(field: "cert" | "key", message: string) {
    super(message);
    this.field = field;
  }
}

export interface PairFiles {
  certFile: string;
  keyFile: string;
  certText: string;
  keyText: string;
  /** A file's bytes, read again only to explain one that is not PEM. */
  bytes(file: string): Uint8Array;
  passphrase?: string | undefined;
  /** "server" or "client": the certificate's role, in messages. */
  role: "server" | "client";
}

/** The certificate's facts and the key; `certs` is the file's certificate blocks only (a key may share the file). */
export function readPair(f: PairFiles): { facts: CertSummary; key: KeyObject; certs: string } {
  const cut = unterminated(f.certText, f.certFile);
  if (cut) throw new PairError("cert", cut);
  const certs = parsePem(f.certText).filter((b) => b.label === "CERTIFICATE").map((b) => b.text).join("\n");
  let facts: CertSummary;
  try {
    facts = certFacts(certs);
  } catch (e) {
    throw new PairError("cert", explainUnreadable(f.certText, () => f.bytes(f.certFile), f.certFile, "certificate") ?? `${f.certFile}: ${(e as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = loadPrivateKey(f.keyText, f.passphrase, f.keyFile);
  } catch (e) {
    const m = (e as Error).message;
    throw new PairError("key", (m.includes("expected PEM") ? pemProblem(f.bytes(f.keyFile), f.keyFile, "key") : undefined) ?? m);
  }
  if (!keyFitsCert(certs, key)) {
    // NGINX (ssl_certificate) and Apache (SSLCertificateFile) take the leaf first too.
    const n = certIndexForKey(certs, key);
    if (n > 0) throw new PairError("cert", `${f.certFile}: the key ${f.keyFile} belongs to certificate ${n + 1} in this file, not the first; put the ${f.role} certificate first, then its intermediates`);
    const which = f.certFile === f.keyFile ? "the certificate in that file" : f.certFile;
    throw new PairError("key", `${f.keyFile} does not match ${which} (give the key the ${f.role === "client" ? "client " : ""}certificate was issued for; compare with: proxy cert inspect ${f.certFile} ${f.keyFile})`);
  }
  return { facts, key, certs };
}

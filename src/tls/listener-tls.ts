/**
 * Reads every TLS listener's certificates into what Bun.serve's `tls` option takes: one entry
 * per SNI name (Bun picks by SNI; the FIRST entry is the default for no or unknown SNI).
 * All problems across all listeners are collected and thrown as one error before any port is
 * bound, so an operator fixes them in one round.
 */
import { constants, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "../net/ip.ts";
import { resolve } from "node:path";
import type { Runtime } from "../config/runtime.ts";
import type { ListenerConfig } from "../config/schema.ts";
import type { EventLog } from "../log/events.ts";
import { warnings } from "./cert-warnings.ts";
import { unterminated } from "./pem-hints.ts";
import { PairError, readPair } from "./cert-pair.ts";
import { resolvePassphrase } from "./passphrase.ts";

/** `cert`/`key` are lists when one name has certificates of several key types (RSA and ECDSA). */
export interface TlsEntry { serverName?: string; cert: string | string[]; key: string | string[]; secureOptions?: number }
export interface TlsSetup {
  /** Bun.serve `tls`; entries[0] is the default certificate */
  entries: TlsEntry[];
  /** for logs: "a.example.com, *.b.example.com" */
  names: string[];
  /** internal certificates: reload (loadListenerTls + reloadTls) by then to renew them */
  renewAt?: Date | undefined;
}

type CertConfig = Exclude<NonNullable<ListenerConfig["tls"]>["certificates"], "internal">[number];
interface Loaded { cert: string; key: string; names: string[] }

let trustLogged = false;

function readAt(baseDir: string, file: string, at: string): string {
  try {
    // A byte order mark (Windows editors) before the PEM makes BoringSSL see no BEGIN line.
    return readFileSync(resolve(baseDir, file), "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    throw new Error(`${at}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (paths are relative to the directory of routes.json)`);
  }
}

/** SNI carries host names only, never IP addresses, so IP SANs get no entry of their own. */
function sniNames(sans: string[], subject: string): string[] {
  const cn = /(?:^|,\s*)CN=([^,+]+)/.exec(subject)?.[1]?.trim();
  const all = [...sans, ...(cn ? [cn] : [])].filter((n) => !isIP(n) && !n.includes(":") && /^[\w*.-]+$/.test(n));
  return [...new Set(all.map((n) => n.toLowerCase()))];
}

async function loadCertificate(c: CertConfig, at: string, baseDir: string, warn: (m: string) => void): Promise<Loaded> {
  const leafPem = readAt(baseDir, c.cert, `${at}.cert`);
  const chain = c.chain === undefined ? "" : readAt(baseDir, c.chain, `${at}.chain`);
  const cutChain = c.chain === undefined ? undefined : unterminated(chain, c.chain);
  if (cutChain) throw new Error(`${at}.chain: ${cutChain}`);
  if (c.chain !== undefined && !chain.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`${at}.chain: ${c.chain} holds no PEM certificate (give the intermediates in PEM)`);
  const passphrase = await resolvePassphrase(c, baseDir, at);
  const keyText = readAt(baseDir, c.key, `${at}.key`);
  let pair;
  try {
    pair = readPair({ certFile: c.cert, keyFile: c.key, certText: leafPem, keyText, passphrase, role: "server", bytes: (f) => readFileSync(resolve(baseDir, f)) });
  } catch (e) {
    if (!(e instanceof PairError)) throw e;
    const hint = e.message.endsWith("passphrase is needed") ? ` (set passphrase, passphraseFile or passphraseCommand in ${at})` : "";
    throw new Error(`${at}.${e.field}: ${e.message}${hint}`);
  }
  for (const w of warnings(pair.facts)) warn(`${at}.cert: ${c.cert}: ${w}`);
  // Normalise to unencrypted PKCS#8: Bun's own `passphrase` handles neither legacy
  // `genrsa -des3` PEM nor SEC1 keys reliably, and the key stays only in memory.
  const key = pair.key.export({ type: "pkcs8", format: "pem" }) as string;
  const cert = leafPem.trimEnd() + "\n" + (chain ? chain.trimEnd() + "\n" : "");
  // SNI names compare case-insensitively (RFC 6066 3, as NGINX server_name): stored lower-case.
  const names = (c.serverNames ?? sniNames(pair.facts.sans, pair.facts.subject)).map((n) => n.toLowerCase());
  return { cert, key, names };
}

function toSetup(certs: Loaded[], minVersion: string | undefined, at: string, warn: (m: string) => void): TlsSetup {
  // Bun's minimum is already TLS 1.2; 1.3-only is done by switching 1.2 off (OpenSSL SSL_OP_NO_TLSv1_2).
  const secureOptions = minVersion === "TLSv1.3" ? constants.SSL_OP_NO_TLSv1_2 : undefined;
  const opt = secureOptions === undefined ? {} : { secureOptions };
  const entries: TlsEntry[] = [];
  // By SNI name; "" is the default entry of a first certificate that names nothing SNI carries.
  const owner = new Map<string, { entry: TlsEntry; byType: Map<string, number> }>();
  const serve = (name: string, c: Loaded, i: number, type: string): void => {
    const prev = owner.get(name);
    if (!prev) {
      const entry: TlsEntry = { ...(name ? { serverName: name } : {}), cert: c.cert, key: c.key, ...opt };
      owner.set(name, { entry, byType: new Map([[type, i]]) });
      return void entries.push(entry);
    }
    const same = prev.byType.get(type);
    if (same === i) return; // the CN repeats a SAN
    if (same !== undefined) return warn(`${at}.certificates[${i}]: ${name || "the default"} is already served by certificates[${same}] (same key type, ${type}); the first one wins`);
    // An RSA and an ECDSA certificate for one name (NGINX: ssl_certificate twice; Apache:
    // SSLCertificateFile per key type): both go in one context and OpenSSL picks by the
    // client's signature_algorithms (RFC 8446 4.2.3), so old RSA-only clients keep working.
    prev.entry.cert = [prev.entry.cert, c.cert].flat();
    prev.entry.key = [prev.entry.key, c.key].flat();
    prev.byType.set(type, i);
  };
  certs.forEach((c, i) => {
    const type = createPrivateKey(c.key).asymmetricKeyType ?? "?";
    for (const name of c.names) serve(name, c, i, type);
    if (c.names.length > 0) return;
    // The default must come first even when its certificate names nothing SNI can carry; SNI
    // never carries an IP address (RFC 6066 3), so a later such certificate only joins it by key type.
    if (i === 0 || owner.get("")?.byType.has(type) === false) return serve("", c, i, type);
    warn(`${at}.certificates[${i}]: names no host SNI can ask for (only IP addresses, or nothing): it is never served; put it first to make it the default, or give serverNames`);
  });
  return { entries, names: [...owner.keys()].filter((n) => n !== "") };
}

/** `issueInternal: false` (proxy check) validates without creating or renewing internal certificates. */
/** Every listener certificate problem, each `path: message` (`proxy check` lists them with the config's other errors). */
export class TlsLoadError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} TLS problems:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

export async function loadListenerTls(rt: Runtime, events: EventLog, opts: { issueInternal?: boolean; internalLifetimeMs?: number } = {}): Promise<Map<number, TlsSetup>> {
  const out = new Map<number, TlsSetup>();
  const errors: string[] = [];
  const warn = (m: string) => events("warn", m);
  for (const [i, l] of rt.listeners.entries()) {
    if (!l.tls) continue;
    const at = `listeners[${i}].tls`;
    try {
      if (l.tls.certificates === "internal") {
        if (opts.issueInternal === false) continue;
        const dataDir = resolve(rt.baseDir, rt.config.dataDir);
        const hosts = [...rt.router.routes()].flatMap((r) => (r.host ? [r.host] : []));
        // Loaded only when a listener asks for internal certificates: issuing needs @peculiar/x509.
        const { ensureInternalCerts } = await import("./internal-ca.ts");
        const internal = await ensureInternalCerts(dataDir, hosts, (m) => events("info", m), new Date(), opts.internalLifetimeMs);
        if (!trustLogged || internal.caCreated) events("info", `${at}: internal certificates from ${internal.caFile}${internal.caCreated ? " (new CA)" : ""}; clients should trust ${internal.caFile}`);
        trustLogged = true;
        const loaded = internal.certs.map((c) => ({ cert: c.certPem, key: c.keyPem, names: c.names.filter((n) => !isIP(n)) }));
        out.set(i, { ...toSetup(loaded, l.tls.minVersion, at, warn), renewAt: internal.renewAt });
        continue;
      }
      const loaded: Loaded[] = [];
      for (const [j, c] of l.tls.certificates.entries()) {
        try {
          loaded.push(await loadCertificate(c, `${at}.certificates[${j}]`, rt.baseDir, warn));
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      if (loaded.length === l.tls.certificates.length) out.set(i, toSetup(loaded, l.tls.minVersion, at, warn));
    } catch (e) {
      errors.push(`${at}: ${(e as Error).message}`);
    }
  }
  if (errors.length) throw new TlsLoadError(errors);
  return out;
}

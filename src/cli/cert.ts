// `proxy cert ...`: the openssl CA/CSR/self-signed recipes from our operators' runbooks as
// one command each. What may be written where is cert-targets.ts: key files (and files that
// hold a key) are never overwritten without --force; certificates and CSRs are simply replaced.
import { PRIVATE_KEY_BLOCK as KEY_BLOCK } from "../tls/pem.ts";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createCA, createCsr, issueLeaf, selfSigned, signCsr } from "../tls/issue.ts";
import { decryptPrivateKeyPem, encryptPrivateKeyPem, generateKeyPair, loadPrivateKey, privateKeyToPem } from "../tls/keys.ts";
import { COMMANDS, days, keyOpts, parseCommand, passphrase, readText, req, sans, str, UsageError, type Opts } from "./cert-args.ts";
import { runTrust } from "./cert-trust.ts";
import { checkTargets } from "./cert-targets.ts";
import { formatSummary, summarizeAll, summarizeCsr } from "../tls/inspect.ts";
import { keyWarnings } from "../tls/cert-warnings.ts";
import { certIndexForKey, keyFitsCert } from "../tls/cert-facts.ts";
import { explainUnreadable, pemProblem } from "../tls/pem-hints.ts";

export interface CertIO { out: (s: string) => void; err: (s: string) => void }

const DETAILS = `Defaults: EC P-256 keys (RSA 2048 with --key-type rsa); leaves 397 days, CAs 3650.
SANs: comma-separated; IPs become IP SANs, others DNS names (a leading "*." is a wildcard); the
CN is used when --san is absent.
Key files are written mode 0600 and never overwritten unless --force; nor is a file that
holds a key; no output may name an input or another output.
--passphrase-file encrypts the written key (PKCS#8, AES-256-CBC); passphrase files hold
the passphrase on their first line. Keys read may be PKCS#8, PKCS#1, SEC1, or encrypted
(openssl genrsa -des3/-aes256, openssl pkcs8 -topk8).`;

function topHelp(): string {
  const list = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)}${c.about}`);
  return `usage: proxy cert <command> [options]\n\ncommands:\n${list.join("\n")}\n\nRun "proxy cert <command> --help" for its options.\n\n${DETAILS}\n`;
}

function writeKey(o: Opts, keyPem: string, flag = "key", encrypt = true): void {
  const pass = encrypt ? passphrase(o, "passphrase-file") : undefined;
  const path = req(o, flag);
  writeFileSync(path, pass ? encryptPrivateKeyPem(keyPem, pass) : keyPem, { mode: 0o600 });
  chmodSync(path, 0o600); // mode only applies on create; --force may be replacing a looser file
}

/** Reads a key up front so a bad passphrase is reported against the flag the user typed. */
function checkKey(pem: string, pass: string | undefined, label: string, passFlag: string): string {
  try {
    loadPrivateKey(pem, pass, label);
  } catch (e) {
    const m = (e as Error).message;
    if (!/passphrase/.test(m)) throw e;
    throw new Error(`${m} (${pass === undefined ? "give" : "check the first line of"} ${passFlag})`);
  }
  return pem;
}

function caOpts(o: Opts): { caCertPem: string; caKeyPem: string; caPassphrase?: string } {
  const caPassphrase = passphrase(o, "ca-passphrase-file");
  const keyPath = req(o, "ca-key");
  const caKeyPem = checkKey(readText(keyPath, "ca-key"), caPassphrase, `--ca-key ${keyPath}`, "--ca-passphrase-file");
  const base = { caCertPem: readText(req(o, "ca-cert"), "ca-cert"), caKeyPem };
  return caPassphrase === undefined ? base : { ...base, caPassphrase };
}

async function run(cmd: string, o: Opts, rest: string[], io: CertIO): Promise<void> {
  const d = days(o);
  const dd = d === undefined ? {} : { days: d };
  checkTargets(cmd, o);
  // Browsers refuse server certificates valid for more than 398 days (CA/Browser Forum BR 6.3.2).
  if (d !== undefined && d > 398 && (cmd === "issue" || cmd === "self-signed" || cmd === "sign")) io.err(`warning: --days ${d}: browsers reject server certificates valid for more than 398 days; fine for service-to-service use only\n`);
  if (cmd === "ca" || cmd === "issue" || cmd === "self-signed") {
    const r = cmd === "ca" ? await createCA({ cn: req(o, "cn"), ...dd, ...keyOpts(o), ...parentCA(o) })
      : cmd === "issue" ? await issueLeaf({ ...caOpts(o), cn: req(o, "cn"), sans: sans(o), ...dd, ...keyOpts(o) })
      : await selfSigned({ cn: req(o, "cn"), sans: sans(o), ...dd, ...keyOpts(o) });
    writeKey(o, r.keyPem);
    writeFileSync(req(o, "cert"), r.certPem);
    io.out(`wrote ${req(o, "cert")} and ${req(o, "key")}\n`);
  } else if (cmd === "csr") {
    const keyPath = req(o, "key");
    const pass = passphrase(o, "passphrase-file");
    let keyPem: string;
    if (existsSync(keyPath)) keyPem = checkKey(readText(keyPath, "key"), pass, `--key ${keyPath}`, "--passphrase-file");
    else {
      const k = keyOpts(o);
      keyPem = await privateKeyToPem((await generateKeyPair(k.keyType, k.rsaBits)).privateKey);
      writeKey(o, keyPem);
      io.out(`wrote new key ${keyPath}\n`);
    }
    const csrOpts = { cn: req(o, "cn"), sans: sans(o), keyPem };
    writeFileSync(req(o, "csr"), await createCsr(pass === undefined ? csrOpts : { ...csrOpts, passphrase: pass }));
    io.out(`wrote ${req(o, "csr")}\n`);
  } else if (cmd === "sign") {
    const csrPem = readText(req(o, "csr"), "csr");
    writeFileSync(req(o, "cert"), await signCsr({ ...caOpts(o), csrPem, ...dd }));
    io.out(`wrote ${req(o, "cert")}\n`);
  } else if (cmd === "key") {
    if (o.decrypt !== true) throw new UsageError("give --decrypt (the one key operation)");
    const inPath = req(o, "in");
    const pass = passphrase(o, "passphrase-file");
    const plain = await decryptPrivateKeyPem(checkKey(readText(inPath, "in"), pass, `--in ${inPath}`, "--passphrase-file"), pass);
    writeKey(o, plain, "out", false);
    io.out(`wrote ${req(o, "out")}\n`);
    // Apache's and NGINX's runbooks do this so a restart needs nobody at the console; the proxy
    // itself can read encrypted keys (passphraseFile, passphraseCommand).
    io.err(`warning: ${req(o, "out")} holds the key without a passphrase: anyone who can read it can impersonate the server (it is mode 0600; keep it so)\n`);
  } else if (cmd === "trust") {
    await runTrust(o, rest, io);
  } else {
    if (rest.length === 0) throw new UsageError("give at least one FILE");
    const pass = passphrase(o, "passphrase-file");
    for (const f of rest) io.out(`${f}:\n${await inspectFile(f, pass)}\n`);
    comparePair(rest, pass, io);
  }
}

/** `ca --ca-cert P --ca-key K`: an intermediate signed by P (both or neither). */
function parentCA(o: Opts): { parent?: ReturnType<typeof caOpts> } {
  if (str(o, "ca-cert") === undefined && str(o, "ca-key") === undefined) return {};
  if (str(o, "ca-cert") === undefined || str(o, "ca-key") === undefined) throw new UsageError("an intermediate needs both --ca-cert and --ca-key of its parent CA");
  return { parent: caOpts(o) };
}

/**
 * `inspect CERT KEY`: whether the key is the certified one (what `openssl x509 -modulus` and
 * `openssl rsa -modulus` piped to md5 were for). A mismatch exits 1, so scripts can test it.
 */
function comparePair(files: string[], pass: string | undefined, io: CertIO): void {
  const texts = files.map((f) => ({ f, text: readText(f, "inspect") }));
  const cert = texts.find((t) => t.text.includes("-----BEGIN CERTIFICATE-----"));
  const key = texts.find((t) => KEY_BLOCK.test(t.text) && t !== cert);
  if (!cert || !key || (/ENCRYPTED/.test(key.text) && pass === undefined)) return;
  const k = loadPrivateKey(key.text, pass, key.f);
  if (keyFitsCert(cert.text, k)) return void io.out(`${key.f} matches the certificate in ${cert.f}\n`);
  const n = certIndexForKey(cert.text, k);
  throw new Error(`${key.f} does not match the first certificate in ${cert.f}${n > 0 ? ` (it matches certificate ${n + 1}: put the server certificate first)` : ""}`);
}

async function inspectFile(path: string, pass: string | undefined): Promise<string> {
  const text = readText(path, "inspect");
  const certs = await summarizeAll(text).catch((e: Error) => {
    throw new Error(explainUnreadable(text, () => readFileSync(path), path, "certificate") ?? `${path}: ${e.message}`);
  });
  const parts = certs.map((c, i) => (certs.length > 1 ? `[${i + 1}/${certs.length}]\n` : "") + formatSummary(c));
  if (/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(text)) {
    const c = await summarizeCsr(text);
    const w = keyWarnings(c).map((x) => `WARNING:  ${x}`);
    if (!c.signatureValid) w.push("WARNING:  signature does not verify (damaged request)");
    parts.push([`CSR subject: ${c.subject}`, `SANs:     ${c.sans.join(", ") || "(none)"}`, `key:      ${c.keyType} ${c.keySize}`, ...w].join("\n"));
  }
  if (KEY_BLOCK.test(text)) {
    const encrypted = /ENCRYPTED/.test(text);
    if (encrypted && pass === undefined) parts.push("private key: encrypted (give --passphrase-file to open it)");
    else {
      const k = loadPrivateKey(text, pass, path);
      parts.push(`private key: ${k.asymmetricKeyType?.toUpperCase()} ${k.asymmetricKeyDetails?.modulusLength ?? k.asymmetricKeyDetails?.namedCurve ?? ""}${encrypted ? " (encrypted; passphrase correct)" : ""}`);
    }
  }
  if (parts.length === 0) throw new Error(pemProblem(readFileSync(path), path, "certificate") ?? `${path}: no PEM certificate, CSR or private key found`);
  return parts.join("\n\n");
}

export async function runCert(args: string[], io: CertIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const cmd = args[0];
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") { io.out(topHelp()); return cmd === undefined ? 2 : 0; }
  const spec = COMMANDS[cmd];
  if (!spec) { io.err(`proxy cert: unknown command "${cmd}"\n\n${topHelp()}`); return 2; }
  const usage = `usage: proxy cert ${spec.usage}\n\n${spec.about}.\n\n${DETAILS}\n`;
  try {
    const { opts, rest } = parseCommand(args.slice(1), spec);
    if (opts.help === true) { io.out(usage); return 0; }
    const missing = spec.required.filter((k) => (str(opts, k) ?? "").trim() === "");
    if (missing.length > 0) throw new UsageError(`missing or empty ${missing.map((m) => `--${m}`).join(", ")}`);
    if (cmd !== "inspect" && !(cmd === "trust" && rest.length <= 1) && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    await run(cmd, opts, rest, io);
    return 0;
  } catch (e) {
    io.err(`proxy cert ${cmd}: ${(e as Error).message}\n${e instanceof UsageError ? `\n${usage}` : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

// `proxy cert ...`: the openssl CA/CSR/self-signed recipes from our operators' runbooks as
// one command each. Key files are never overwritten without --force (losing a CA key means
// reissuing everything it signed); certificates and CSRs are public and simply replaced.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createCA, createCsr, issueLeaf, sanProblem, selfSigned, signCsr } from "../tls/issue.ts";
import type { KeyOpts } from "../tls/issue.ts";
import { encryptPrivateKeyPem, generateKeyPair, loadPrivateKey, privateKeyToPem } from "../tls/keys.ts";
import { formatSummary, keyWarnings, summarizeAll, summarizeCsr } from "../tls/inspect.ts";

export interface CertIO { out: (s: string) => void; err: (s: string) => void }
type Opts = Record<string, string | true>;

const KEY_OPTS = "[--key-type ec|rsa] [--rsa-bits 2048|3072|4096]";
const COMMANDS: Record<string, { usage: string; about: string; flags: string[]; required: string[] }> = {
  ca: { usage: `ca --cn NAME [--days 3650] ${KEY_OPTS} --cert ca.crt --key ca.key [--passphrase-file F] [--force]`, about: "create a private certificate authority", flags: ["cn", "days", "key-type", "rsa-bits", "cert", "key", "passphrase-file"], required: ["cn", "cert", "key"] },
  issue: { usage: `issue --ca-cert ca.crt --ca-key ca.key [--ca-passphrase-file F] --cn NAME [--san a.example.com,10.0.0.5] [--days 397] ${KEY_OPTS} --cert server.crt --key server.key [--passphrase-file F] [--force]`, about: "issue a server certificate and new key from a CA", flags: ["ca-cert", "ca-key", "ca-passphrase-file", "cn", "san", "days", "key-type", "rsa-bits", "cert", "key", "passphrase-file"], required: ["ca-cert", "ca-key", "cn", "cert", "key"] },
  "self-signed": { usage: `self-signed --cn NAME [--san ...] [--days 397] ${KEY_OPTS} --cert server.crt --key server.key [--passphrase-file F] [--force]`, about: "create a self-signed server certificate and key", flags: ["cn", "san", "days", "key-type", "rsa-bits", "cert", "key", "passphrase-file"], required: ["cn", "cert", "key"] },
  csr: { usage: `csr --cn NAME [--san ...] --key server.key [--passphrase-file F] ${KEY_OPTS} --csr server.csr`, about: "create a signing request (uses --key if it exists, else creates it)", flags: ["cn", "san", "key", "passphrase-file", "key-type", "rsa-bits", "csr"], required: ["cn", "key", "csr"] },
  sign: { usage: "sign --ca-cert ca.crt --ca-key ca.key [--ca-passphrase-file F] --csr server.csr [--days 397] --cert server.crt", about: "sign a CSR (keeps its SANs; adds the CN as SAN if it has none)", flags: ["ca-cert", "ca-key", "ca-passphrase-file", "csr", "days", "cert"], required: ["ca-cert", "ca-key", "csr", "cert"] },
  inspect: { usage: "inspect FILE...", about: "summarise certificates (chains too), CSRs and keys, with warnings", flags: [], required: [] },
};

const DETAILS = `Defaults: EC P-256 keys (RSA 2048 with --key-type rsa); leaves 397 days, CAs 3650.
SANs: comma-separated; IPs become IP SANs, others DNS; the CN is used when --san is absent.
Key files are written mode 0600 and never overwritten unless --force.
--passphrase-file encrypts the written key (PKCS#8, AES-256-CBC); passphrase files hold
the passphrase on their first line. Keys read may be PKCS#8, PKCS#1, SEC1, or encrypted
(openssl genrsa -des3/-aes256, openssl pkcs8 -topk8).`;

function topHelp(): string {
  const list = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)}${c.about}`);
  return `usage: proxy cert <command> [options]\n\ncommands:\n${list.join("\n")}\n\nRun "proxy cert <command> --help" for its options.\n\n${DETAILS}\n`;
}

function parse(args: string[], flags: string[]): { opts: Opts; rest: string[] } {
  const opts: Opts = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (!a.startsWith("--")) { rest.push(a); continue; }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (name === "help" || name === "force") { opts[name] = true; continue; }
    if (!flags.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq < 0 ? args[++i] : a.slice(eq + 1);
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    opts[name] = value;
  }
  return { opts, rest };
}

class UsageError extends Error {}

const str = (o: Opts, k: string): string | undefined => (typeof o[k] === "string" ? (o[k] as string) : undefined);
const req = (o: Opts, k: string): string => str(o, k) ?? "";

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`--${flag} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function passphrase(o: Opts, flag: string): string | undefined {
  const f = str(o, flag);
  if (f === undefined) return undefined;
  // Same as openssl's -passin file:F: the first line, without its line ending.
  const pass = readText(f, flag).split(/\r?\n/)[0] ?? "";
  if (!pass) throw new Error(`--${flag} ${f}: first line is empty (write the passphrase on the first line)`);
  return pass;
}

function days(o: Opts): number | undefined {
  const d = str(o, "days");
  if (d === undefined) return undefined;
  if (!/^\d+$/.test(d) || Number(d) < 1) throw new UsageError(`--days ${d}: must be a whole number of days, at least 1`);
  return Number(d);
}

function keyOpts(o: Opts): KeyOpts {
  const t = str(o, "key-type") ?? "ec";
  if (t !== "ec" && t !== "rsa") throw new UsageError(`--key-type ${t}: use ec or rsa`);
  const bits = str(o, "rsa-bits") ?? "2048";
  if (!["2048", "3072", "4096"].includes(bits)) throw new UsageError(`--rsa-bits ${bits}: use 2048, 3072 or 4096`);
  if (str(o, "rsa-bits") && t !== "rsa") throw new UsageError("--rsa-bits needs --key-type rsa");
  return { keyType: t, rsaBits: Number(bits) };
}

function sans(o: Opts): string[] {
  const list = (str(o, "san") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of list) {
    const why = sanProblem(s);
    if (why) throw new UsageError(`--san ${JSON.stringify(s)} ${why}`);
  }
  return list;
}

function checkKeyTarget(o: Opts): void {
  const k = req(o, "key");
  if (existsSync(k) && o.force !== true) throw new Error(`--key ${k}: already exists; refusing to overwrite a private key (give --force to replace it)`);
}

function writeKey(o: Opts, keyPem: string): void {
  const pass = passphrase(o, "passphrase-file");
  const path = req(o, "key");
  writeFileSync(path, pass ? encryptPrivateKeyPem(keyPem, pass) : keyPem, { mode: 0o600 });
  chmodSync(path, 0o600); // mode only applies on create; --force may be replacing a looser file
}

/** Reads a key up front so a bad passphrase is reported against the flag the user typed. */
function checkKey(pem: string, pass: string | undefined, label: string, passFlag: string): string {
  try {
    loadPrivateKey(pem, pass, label);
  } catch (e) {
    const m = (e as Error).message;
    throw new Error(/passphrase/.test(m) ? `${m} (give ${passFlag})` : m);
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
  if (cmd === "ca" || cmd === "issue" || cmd === "self-signed") {
    checkKeyTarget(o);
    const r = cmd === "ca" ? await createCA({ cn: req(o, "cn"), ...dd, ...keyOpts(o) })
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
  } else {
    if (rest.length === 0) throw new UsageError("give at least one FILE");
    for (const f of rest) io.out(`${f}:\n${await inspectFile(f)}\n`);
  }
}

async function inspectFile(path: string): Promise<string> {
  const text = readText(path, "inspect");
  const certs = await summarizeAll(text);
  const parts = certs.map((c, i) => (certs.length > 1 ? `[${i + 1}/${certs.length}]\n` : "") + formatSummary(c));
  if (/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(text)) {
    const c = await summarizeCsr(text);
    const w = keyWarnings(c).map((x) => `WARNING:  ${x}`);
    if (!c.signatureValid) w.push("WARNING:  signature does not verify (damaged request)");
    parts.push([`CSR subject: ${c.subject}`, `SANs:     ${c.sans.join(", ") || "(none)"}`, `key:      ${c.keyType} ${c.keySize}`, ...w].join("\n"));
  }
  if (/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
    if (/ENCRYPTED/.test(text)) parts.push("private key: encrypted (needs a passphrase)");
    else {
      const k = loadPrivateKey(text, undefined, path);
      parts.push(`private key: ${k.asymmetricKeyType?.toUpperCase()} ${k.asymmetricKeyDetails?.modulusLength ?? k.asymmetricKeyDetails?.namedCurve ?? ""}`);
    }
  }
  if (parts.length === 0) throw new Error(`${path}: no PEM certificate, CSR or private key found`);
  return parts.join("\n\n");
}

export async function runCert(args: string[], io: CertIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const cmd = args[0];
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") { io.out(topHelp()); return cmd === undefined ? 2 : 0; }
  const spec = COMMANDS[cmd];
  if (!spec) { io.err(`proxy cert: unknown command "${cmd}"\n\n${topHelp()}`); return 2; }
  const usage = `usage: proxy cert ${spec.usage}\n\n${spec.about}.\n\n${DETAILS}\n`;
  try {
    const { opts, rest } = parse(args.slice(1), spec.flags);
    if (opts.help === true) { io.out(usage); return 0; }
    const missing = spec.required.filter((k) => str(opts, k) === undefined);
    if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(", ")}`);
    if (cmd !== "inspect" && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    await run(cmd, opts, rest, io);
    return 0;
  } catch (e) {
    io.err(`proxy cert ${cmd}: ${(e as Error).message}\n${e instanceof UsageError ? `\n${usage}` : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

// The options of `proxy cert <command>`: the table of commands, util.parseArgs over it, and
// the readers that turn an option into a value with an error naming the option.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { KeyOpts } from "../tls/issue.ts";

export type Opts = Record<string, string | boolean | undefined>;
export class UsageError extends Error {}

const KEY_OPTS = "[--key-type ec|rsa] [--rsa-bits 2048|3072|4096]";
const PARENT = "[--ca-cert PARENT.crt --ca-key PARENT.key [--ca-passphrase-file F]]";
const LEAF = ["cn", "san", "days", "key-type", "rsa-bits", "cert", "key", "passphrase-file"];
const CA_IN = ["ca-cert", "ca-key", "ca-passphrase-file"];

export interface CommandSpec { usage: string; about: string; flags: string[]; required: string[]; switches?: string[] }
export const COMMANDS: Record<string, CommandSpec> = {
  ca: { usage: `ca --cn NAME [--days 3650] ${KEY_OPTS} --cert ca.crt --key ca.key [--passphrase-file F] ${PARENT} [--force]`, about: "create a certificate authority: a root, or with --ca-cert/--ca-key an intermediate signed by that CA", flags: ["cn", "days", "key-type", "rsa-bits", "cert", "key", "passphrase-file", ...CA_IN], required: ["cn", "cert", "key"] },
  issue: { usage: `issue --ca-cert ca.crt --ca-key ca.key [--ca-passphrase-file F] --cn NAME [--san a.example.com,10.0.0.5] [--days 397] ${KEY_OPTS} --cert server.crt --key server.key [--passphrase-file F] [--force]`, about: "issue a server certificate and new key from a CA", flags: [...CA_IN, ...LEAF], required: ["ca-cert", "ca-key", "cn", "cert", "key"] },
  "self-signed": { usage: `self-signed --cn NAME [--san ...] [--days 397] ${KEY_OPTS} --cert server.crt --key server.key [--passphrase-file F] [--force]`, about: "create a self-signed server certificate and key", flags: LEAF, required: ["cn", "cert", "key"] },
  csr: { usage: `csr --cn NAME [--san ...] --key server.key [--passphrase-file F] ${KEY_OPTS} --csr server.csr`, about: "create a signing request (uses --key if it exists, else creates it)", flags: ["cn", "san", "key", "passphrase-file", "key-type", "rsa-bits", "csr"], required: ["cn", "key", "csr"] },
  sign: { usage: "sign --ca-cert ca.crt --ca-key ca.key [--ca-passphrase-file F] --csr server.csr [--days 397] --cert server.crt", about: "sign a CSR (keeps its SANs; adds the CN as SAN if it has none)", flags: [...CA_IN, "csr", "days", "cert"], required: ["ca-cert", "ca-key", "csr", "cert"] },
  key: { usage: "key --decrypt --in enc.key --out plain.key [--passphrase-file F] [--force]", about: "write a key without its passphrase (openssl rsa -in enc.key -out plain.key), for servers that cannot ask for one", flags: ["in", "out", "passphrase-file"], required: ["in", "out"], switches: ["decrypt"] },
  inspect: { usage: "inspect [--passphrase-file F] FILE...", about: "summarise certificates (chains too), CSRs and keys (encrypted ones with --passphrase-file), with warnings", flags: ["passphrase-file"], required: [] },
  trust: { usage: "trust [CA.crt] [--data-dir DIR]", about: "install a CA certificate (default: the internal CA's <dataDir>/ca.crt) into the system trust store and print the keytool line for a Java truststore", flags: ["data-dir", "root"], required: [] },
};

/** util.parseArgs over the command's flags; --help and --force are every command's switches. */
export function parseCommand(args: string[], spec: CommandSpec): { opts: Opts; rest: string[] } {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" }, force: { type: "boolean" } };
  for (const f of spec.flags) options[f] = { type: "string" };
  for (const f of spec.switches ?? []) options[f] = { type: "boolean" };
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { opts: values, rest: positionals };
  } catch (e) {
    const m = (e as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(m);
    if (unknown) throw new UsageError(`unknown option ${unknown[1]}`);
    const needs = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(m);
    throw new UsageError(needs ? `${needs[1]} needs a value` : m);
  }
}

export const str = (o: Opts, k: string): string | undefined => (typeof o[k] === "string" ? (o[k] as string) : undefined);
export const req = (o: Opts, k: string): string => str(o, k) ?? "";

export function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`--${flag} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function passphrase(o: Opts, flag: string): string | undefined {
  const f = str(o, flag);
  if (f === undefined) return undefined;
  // Same as openssl's -passin file:F: the first line, without its line ending.
  const pass = readText(f, flag).split(/\r?\n/)[0] ?? "";
  if (!pass) throw new Error(`--${flag} ${f}: first line is empty (write the passphrase on the first line)`);
  return pass;
}

export function days(o: Opts): number | undefined {
  const d = str(o, "days");
  if (d === undefined) return undefined;
  // 36500: a hundred years is past any CA's life and still inside X.509's GeneralizedTime.
  if (!/^\d+$/.test(d) || Number(d) < 1 || Number(d) > 36500) throw new UsageError(`--days ${d}: must be a whole number of days, from 1 to 36500`);
  return Number(d);
}

export function keyOpts(o: Opts): KeyOpts {
  const t = str(o, "key-type") ?? "ec";
  if (t !== "ec" && t !== "rsa") throw new UsageError(`--key-type ${t}: use ec or rsa`);
  const bits = str(o, "rsa-bits") ?? "2048";
  if (!["2048", "3072", "4096"].includes(bits)) throw new UsageError(`--rsa-bits ${bits}: use 2048, 3072 or 4096`);
  if (str(o, "rsa-bits") && t !== "rsa") throw new UsageError("--rsa-bits needs --key-type rsa");
  return { keyType: t, rsaBits: Number(bits) };
}

export const sans = (o: Opts): string[] => (str(o, "san") ?? "").split(",").map((s) => s.trim()).filter(Boolean);

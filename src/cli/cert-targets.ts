// Where `proxy cert` writes, checked before anything is generated. A certificate written over a
// key loses the key as surely as a key written over it (`openssl req -x509 -out ca.key` does so
// silently, and losing a CA key means reissuing everything it signed). So: no output may be an
// input or another output, even with --force; a file that holds a private key is replaced only
// with --force; and a missing directory is reported before a key is written beside nothing.
import { PRIVATE_KEY_BLOCK as KEY_BLOCK } from "../tls/pem.ts";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { str, type Opts } from "./cert-args.ts";

const FILE_FLAGS = ["cert", "key", "csr", "out", "in", "ca-cert", "ca-key", "passphrase-file", "ca-passphrase-file"];
/** The flags a command writes; `csr` writes --key only when it does not exist yet. */
export function outputFlags(cmd: string, o: Opts): string[] {
  if (cmd === "ca" || cmd === "issue" || cmd === "self-signed") return ["cert", "key"];
  if (cmd === "csr") return existsSync(str(o, "key") ?? "") ? ["csr"] : ["csr", "key"];
  if (cmd === "sign") return ["cert"];
  if (cmd === "key") return ["out"];
  return [];
}

/** One name per file: symlinks and ./ spellings of the same file compare equal. */
function identity(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

function holdsKey(path: string): boolean {
  try {
    return statSync(path).isFile() && KEY_BLOCK.test(readFileSync(path, "utf8"));
  } catch {
    return false;
  }
}

/** Throws the first reason this command's outputs are unsafe to write. */
export function checkTargets(cmd: string, o: Opts): void {
  const outs = outputFlags(cmd, o).filter((f) => str(o, f) !== undefined);
  const given = FILE_FLAGS.filter((f) => str(o, f) !== undefined);
  for (const out of outs) {
    const path = str(o, out) as string;
    const id = identity(path);
    for (const other of given) {
      if (other === out || identity(str(o, other) as string) !== id) continue;
      const role = outs.includes(other) ? "also written as" : "also read as";
      throw new Error(`--${out} ${path} is ${role} --${other}; writing it would destroy that file (give each its own file)`);
    }
    const dir = dirname(resolve(path));
    if (!existsSync(dir)) throw new Error(`--${out} ${path}: directory ${dir} does not exist (create it first)`);
    if (!existsSync(path) || o.force === true) continue;
    const isKey = out === "key" || out === "out";
    if (isKey) throw new Error(`--${out} ${path}: already exists; refusing to overwrite a private key (give --force to replace it)`);
    if (holdsKey(path)) throw new Error(`--${out} ${path}: holds a private key; refusing to overwrite it with a ${out === "csr" ? "CSR" : "certificate"} (give --force to replace it)`);
  }
}

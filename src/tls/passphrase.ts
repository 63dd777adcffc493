/**
 * Where a key's passphrase comes from: inline, a file (first line, as `proxy cert` writes it),
 * or a command whose standard output is the passphrase (Apache `SSLPassPhraseDialog exec:`),
 * so secrets can live in a vault or keyring rather than in routes.json.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { resolve } from "node:path";

export interface PassphraseSource {
  passphrase?: string | undefined;
  passphraseFile?: string | undefined;
  passphraseCommand?: string | undefined;
}

/** Slow vaults are fine; a command that waits forever on a terminal prompt is not. */
const COMMAND_TIMEOUT_MS = 30_000;

/** `at` is the JSON path of the certificate entry, e.g. `listeners[1].tls.certificates[0]`. */
export async function resolvePassphrase(src: PassphraseSource, baseDir: string, at: string): Promise<string | undefined> {
  const given = (["passphrase", "passphraseFile", "passphraseCommand"] as const).filter((k) => src[k] !== undefined);
  if (given.length > 1) throw new Error(`${at}: give at most one of passphrase, passphraseFile, passphraseCommand (found ${given.join(", ")})`);
  if (src.passphrase !== undefined) return src.passphrase;
  if (src.passphraseFile !== undefined) return readPassphraseFile(baseDir, src.passphraseFile, `${at}.passphraseFile`);
  if (src.passphraseCommand !== undefined) return runPassphraseCommand(baseDir, src.passphraseCommand, `${at}.passphraseCommand`);
  return undefined;
}

function readPassphraseFile(baseDir: string, file: string, at: string): string {
  let text: string;
  try {
    text = readFileSync(resolve(baseDir, file), "utf8");
  } catch (e) {
    throw new Error(`${at}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (paths are relative to the directory of routes.json)`);
  }
  // First line only, like `openssl -passin file:`: editors add a trailing newline.
  return text.split(/\r?\n/, 1)[0] ?? "";
}

/**
 * Paths in routes.json are relative to its directory, and so is the command: a bare name that
 * is an executable beside routes.json runs from there (sh alone would search only PATH, unlike
 * Apache's `exec:`, which takes a path); otherwise sh looks it up in PATH.
 */
export function resolveCommand(baseDir: string, command: string): string {
  const word = /^\S+/.exec(command.trim())?.[0] ?? "";
  if (!word || word.includes("/")) return command;
  try {
    accessSync(resolve(baseDir, word), constants.X_OK);
    return `./${command.trim()}`;
  } catch {
    return command;
  }
}

async function runPassphraseCommand(baseDir: string, given: string, at: string): Promise<string> {
  const command = resolveCommand(baseDir, given);
  const proc = Bun.spawn(["sh", "-c", command], { cwd: baseDir, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: COMMAND_TIMEOUT_MS });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (proc.signalCode) throw new Error(`${at}: \`${command}\` was killed (${proc.signalCode}${proc.signalCode === "SIGTERM" ? `, no answer within ${COMMAND_TIMEOUT_MS / 1000}s` : ""}); the command must print the passphrase without waiting for input`);
  if (code === 127 || code === 126) {
    const word = /^\S+/.exec(given.trim())?.[0] ?? "";
    const how = word.includes("/") ? `looked for ${resolve(baseDir, word)} (relative to the directory of routes.json)` : `looked for ${resolve(baseDir, word)} (the directory of routes.json) and then in PATH (${process.env.PATH ?? ""})`;
    throw new Error(`${at}: \`${given}\` ${code === 127 ? "was not found" : "is not executable"}: ${how}; give its full path or make it executable (chmod +x)`);
  }
  if (code !== 0) {
    const why = err.trim().split("\n").slice(-3).join(" / ");
    throw new Error(`${at}: \`${command}\` exited with ${code}${why ? `: ${why}` : ""} (it must print the passphrase and exit 0)`);
  }
  // Strip only the line ending `echo` adds: other whitespace may be part of the passphrase.
  return out.replace(/\r?\n$/, "");
}

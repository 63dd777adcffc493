/** `proxy token --secret-file F [--scope read|write] [--ttl 8h] [--subject NAME] [--issuer I] [--audience A]`. */
import { userInfo } from "node:os";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, readSecret } from "../admin/auth.ts";
import { parseDuration } from "../config/units.ts";
import type { Io } from "./check.ts";

const USAGE = "usage: proxy token --secret-file FILE [--scope read|write] [--ttl 1h] [--subject NAME] [--issuer ISS] [--audience AUD]";

const HELP = `${USAGE}

Prints a signed admin API token (HS256 JWT) for the secret in FILE (admin.auth.secretFile).
  --scope     read (GET endpoints) or write (every endpoint); default read
  --ttl       lifetime, such as 30m or 8h; default 1h
  --subject   who holds it (the sub claim, named in the log of changes made with it); default the user name
  --issuer, --audience   only when admin.auth sets others than edge-proxy / edge-proxy-admin`;

export async function runToken(args: string[], io: Io, now = Date.now()): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) return io.out(HELP), 0;
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args,
      options: { "secret-file": { type: "string" }, scope: { type: "string" }, ttl: { type: "string" }, subject: { type: "string" }, issuer: { type: "string" }, audience: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (e) {
    return io.err(`${(e as Error).message}\n${USAGE}`), 2;
  }
  const file = values["secret-file"];
  if (!file) return io.err(`--secret-file is required\n${USAGE}`), 2;
  const scope = values.scope ?? "read";
  if (scope !== "read" && scope !== "write") return io.err(`--scope: expected read or write, got ${JSON.stringify(scope)}`), 2;
  const ttlMs = parseDuration(values.ttl ?? "1h");
  if (ttlMs === undefined || ttlMs <= 0) return io.err(`--ttl: ${JSON.stringify(values.ttl)} is not a duration such as "8h" or "30m"`), 2;
  let secret: Uint8Array;
  try {
    secret = readSecret(file);
  } catch (e) {
    return io.err((e as Error).message), 1;
  }
  const iat = Math.floor(now / 1000);
  const token = await new SignJWT({ scope })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(values.issuer ?? DEFAULT_ISSUER)
    .setAudience(values.audience ?? DEFAULT_AUDIENCE)
    .setSubject(values.subject ?? userName())
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.ceil(ttlMs / 1000))
    .sign(secret);
  io.out(token);
  return 0;
}

/**
 * Who runs the command, as `id -un` says: $USER, $LOGNAME, else the passwd entry of the uid.
 * Bun's userInfo() answers "unknown" even when /etc/passwd has the uid (`docker exec` sets no
 * $USER); "admin" only when no entry names the account (a container's arbitrary uid).
 */
function userName(): string {
  const env = process.env.USER || process.env.LOGNAME;
  if (env) return env;
  try {
    const name = userInfo().username;
    if (name && name !== "unknown") return name;
  } catch {
    // no passwd entry: Node throws, Bun answers "unknown"
  }
  return passwdName(process.getuid?.()) ?? "admin";
}

function passwdName(uid: number | undefined, passwd = "/etc/passwd"): string | undefined {
  if (uid === undefined) return undefined;
  try {
    // name:password:uid:gid:gecos:home:shell (passwd(5))
    return readFileSync(passwd, "utf8").split("\n").map((l) => l.split(":")).find((f) => f.length >= 3 && f[2] === String(uid))?.[0] || undefined;
  } catch {
    return undefined;
  }
}

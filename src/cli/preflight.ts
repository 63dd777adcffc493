/**
 * Checks against the machine rather than the file: can the access log be written, can each
 * listener's address be bound. `proxy check` and start-up both run them, so a problem is named
 * with its JSON path and the fix before anything binds, never as a stack trace later.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ConfigIssue } from "../config/errors.ts";
import type { Runtime } from "../config/runtime.ts";
import { SHARED_PORTS } from "../server/bound-listener.ts";
import { lowPortHelp } from "./privileges.ts";
import { parseHostPort } from "../net/host-port.ts";

export interface Preflight { errors: ConfigIssue[]; inUse: ConfigIssue[] }

export function preflight(rt: Runtime): Preflight {
  const errors: ConfigIssue[] = [];
  const inUse: ConfigIssue[] = [];
  const logPath = rt.config.accessLog?.path;
  if (logPath !== undefined && logPath !== "-") {
    const problem = unwritable(resolve(rt.baseDir, logPath));
    if (problem) errors.push({ path: "accessLog.path", message: `${JSON.stringify(logPath)}: ${problem} (relative paths start at the directory of routes.json; "-" is standard output)` });
  }
  rt.listeners.forEach((l, i) => {
    // A --workers worker shares its ports with its siblings (SO_REUSEPORT): "in use" is them.
    const issue = SHARED_PORTS ? undefined : probeBind(l.host, l.port, i);
    if (issue?.inUse) inUse.push(issue);
    else if (issue) errors.push(issue);
  });
  // The admin listener too, before any data port is bound (a --workers worker binds none:
  // its supervisor does, and has probed it).
  const admin = rt.config.admin && !SHARED_PORTS ? parseHostPort(rt.config.admin.listen) : undefined;
  if (admin) {
    const issue = probeBind(admin.host, admin.port, -1);
    if (issue) {
      const at = { path: "admin.listen", inUse: issue.inUse, message: issue.message };
      (issue.inUse ? inUse : errors).push(at);
    }
  }
  return { errors, inUse };
}

/** Why `file` cannot be opened for appending, or undefined when it can. */
export function unwritable(file: string): string | undefined {
  const dir = dirname(file);
  const st = statOrUndefined(dir);
  if (!st) return `the directory ${dir} does not exist; create it first`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const f = statOrUndefined(file);
  if (f?.isDirectory()) return `${file} is a directory; name a file in it`;
  try {
    accessSync(f ? file : dir, constants.W_OK);
  } catch {
    return f ? `${file} is not writable by this user` : `the directory ${dir} is not writable by this user`;
  }
  return undefined;
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** Binds and releases host:port once (port 0 checks only the address). */
export function probeBind(host: string, port: number, i: number): (ConfigIssue & { inUse?: boolean }) | undefined {
  try {
    Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
    return undefined;
  } catch (e) {
    return bindIssue(e, host, port, i);
  }
}

/** A failed bind as the operator should read it: which field, what is wrong, what to do. */
export function bindIssue(e: unknown, host: string, port: number, i: number): ConfigIssue & { inUse?: boolean } {
  const code = (e as { code?: string }).code;
  if (code === "EADDRINUSE") return { path: `listeners[${i}].port`, message: `${port} is in use (on ${host}); stop what listens there or choose another port`, inUse: true };
  if (code === "EACCES") return { path: `listeners[${i}].port`, message: `${port} needs root or CAP_NET_BIND_SERVICE to bind; use a port above 1023, or:\n${lowPortHelp(port)}` };
  if (code === "EADDRNOTAVAIL") return { path: `listeners[${i}].host`, message: `${JSON.stringify(host)} is not an address of this machine; use one of its addresses, or "0.0.0.0" for all` };
  // BoringSSL refusing a certificate or key while the TLS server is made is no address problem.
  const message = (e as Error).message ?? "";
  if (/OPENSSL_internal|routines:/.test(message)) return { path: `listeners[${i}].tls`, message: `its certificates could not be loaded (${message})` };
  return { path: `listeners[${i}].host`, message: `cannot bind ${JSON.stringify(host)}: not an IP address of this machine or a name that resolves to one (${(e as Error).message})` };
}

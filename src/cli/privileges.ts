/**
 * `--user NAME`: bind as root, then run as NAME (NGINX `user`, Apache `User`). Groups first:
 * once the uid is dropped, setgid/setgroups are no longer allowed.
 */
import { chownSync, mkdirSync, readFileSync } from "node:fs";

export interface Account { name: string; uid: number; gid: number }

/** Looks NAME (or a numeric uid) up in an /etc/passwd text. */
export function findAccount(passwd: string, name: string): Account | undefined {
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === undefined || uid === undefined || gid === undefined) continue;
    if (user === name || uid === name) return { name: user, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * Drops to `name`; returns an error message naming the fix, or undefined when done. `ownDirs`:
 * directories the proxy writes at run time, made if missing and given to the user first.
 */
export function dropPrivileges(name: string, passwd = () => readFileSync("/etc/passwd", "utf8"), ownDirs: string[] = []): string | undefined {
  const acct = findAccount(passwd(), name);
  if (!acct) return `--user ${name}: no such user in /etc/passwd (create it, e.g. useradd --system ${name})`;
  if (process.getuid?.() !== 0) return `--user ${name}: only root can change user; start as root or leave --user out`;
  for (const dir of ownDirs) {
    try {
      mkdirSync(dir, { recursive: true });
      chownSync(dir, acct.uid, acct.gid);
    } catch (e) {
      return `--user ${name}: cannot give ${dir} (dataDir) to ${name}: ${(e as Error).message}`;
    }
  }
  process.setgroups?.([acct.gid]);
  process.setgid!(acct.gid);
  process.setuid!(acct.uid);
  return undefined;
}

/** The three ways to bind a port below 1024 without running the proxy as root. */
export function lowPortHelp(port: number): string {
  return [
    `port ${port} is below 1024 and only root may bind it; either`,
    `  - start as root with --user NAME (the proxy binds, then runs as NAME),`,
    `  - sudo setcap cap_net_bind_service=+ep <path to proxy> (then any user may bind low ports), or`,
    `  - under systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE in the unit (deploy/edge-proxy.service)`,
  ].join("\n");
}

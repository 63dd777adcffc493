/** `proxy check routes.json`: validate, compile, print a summary or every error (nginx -t). */
import { loadConfigFile } from "../config/load.ts";
import { ConfigError } from "../config/errors.ts";
import { compile } from "../config/compile.ts";
import type { Runtime } from "../config/runtime.ts";
import { loadListenerTls } from "../tls/listener-tls.ts";
import type { MemberRegistry } from "../state/registry.ts";

export interface Io { out: (s: string) => void; err: (s: string) => void }

/** Loads and compiles, or prints every error and returns undefined. */
export async function loadRuntime(file: string, io: Io, registry?: MemberRegistry): Promise<Runtime | undefined> {
  try {
    const config = await loadConfigFile(file);
    const rt = compile(config, { file, members: registry });
    registry?.commit();
    return rt;
  } catch (e) {
    if (e instanceof ConfigError) io.err(e.message);
    else io.err(`${file}: ${(e as Error).message}`);
    return undefined;
  }
}

export async function runCheck(args: string[], io: Io): Promise<number> {
  const file = args[0];
  if (!file || args.length > 1) {
    io.err("usage: proxy check routes.json");
    return 2;
  }
  const rt = await loadRuntime(file, io);
  if (!rt) return 1;
  for (const w of rt.warnings) io.err(`warning: ${w}`);
  // Like nginx -t, certificates and keys are loaded too: a wrong passphrase or a key that does
  // not match its certificate is found now, not at the next restart.
  try {
    await loadListenerTls(rt, (level, msg) => level !== "info" && io.err(`${level === "warn" ? "warning" : level}: ${msg}`), { issueInternal: false });
  } catch (e) {
    io.err(`${file}: ${(e as Error).message}`);
    rt.close();
    return 1;
  }
  io.out(summary(rt));
  io.out(`${file}: configuration is valid`);
  rt.close();
  return 0;
}

export function summary(rt: Runtime): string {
  const lines: string[] = [];
  for (const l of rt.listeners) {
    const kind = l.redirectHttps ? `redirect to https port ${l.redirectHttps.port}` : l.tls ? "https" : "http";
    lines.push(`listener ${l.host}:${l.port} (${kind})`);
  }
  for (const p of rt.pools.values()) {
    const ms = p.pool.members.map((m) => `${m.origin}${m.url.pathname === "/" ? "" : m.url.pathname} w=${m.weight} route=${m.route}${m.standby ? " standby" : ""}${m.state !== "active" ? ` ${m.state}` : ""}`);
    lines.push(`pool ${p.name} (${rt.config.pools[p.name]!.method}): ${ms.join("; ")}`);
  }
  for (const r of [...rt.router.routes()].sort((a, b) => a.index - b.index)) {
    const a = r.action;
    const what = a.kind === "pool" ? `pool ${a.pool.name}` : a.kind === "respond" ? `respond ${a.status}` : `redirect ${a.status} ${a.to}`;
    lines.push(`route ${r.host ?? "*"} ${r.path} -> ${what}${r.rewritePrefix ? ` (rewrite to ${r.rewritePrefix})` : ""}`);
  }
  return lines.join("\n");
}

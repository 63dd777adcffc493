/**
 * Composition of the admin listener: the Hono app on its own Bun.serve, never a data-plane port.
 * Imported by serve.ts only when routes.json has `admin`.
 */
import { resolve } from "node:path";
import type { Runtime } from "../config/runtime.ts";
import type { EventLog } from "../log/events.ts";
import { createVerify, type Verify } from "../admin/auth.ts";
import type { Config } from "../config/schema.ts";
import { createAdminApp, type ReloadResult } from "../admin/app.ts";
import { parseHostPort } from "../net/host-port.ts";
import { VERSION } from "../version.ts";
import { answerOf, isAdminCall, requestOf } from "../admin/ipc.ts";
import { WORKER_ENV } from "./workers.ts";
import { BODY_CAP } from "../admin/body-limit.ts";

export interface AdminOptions {
  file: string;
  events: EventLog;
  runtime: () => Runtime;
  listeners: () => string[];
  connections?: () => ReadonlyMap<string, number>;
  certificates?: () => { listener: string; name: string; notAfter: number }[];
  reload?: () => Promise<ReloadResult>;
  /** The reloader's figures: generation, reload results, when the running config was loaded. */
  reloads?: () => { generation: number; success: number; failure: number; loadedAt: number };
  /** False once shutdown began (listeners closing): /readyz answers 503 so a balancer in front stops sending. */
  ready?: () => boolean;
}

/**
 * The token check of one loaded config, made once (the secret or JWKS file read then). A reload
 * that rotates admin.auth's secret is effective for the next request, and tokens of the old
 * secret stop working, so a leaked secret is revoked without a restart.
 */
const verifiers = new WeakMap<Config, Verify | undefined>();
export function verifierFor(rt: Runtime): Verify | undefined {
  if (!verifiers.has(rt.config)) verifiers.set(rt.config, rt.config.admin?.auth ? createVerify(rt.config.admin.auth, rt.baseDir) : undefined);
  return verifiers.get(rt.config);
}

/**
 * For a reload: errors (a missing or short secret, a broken JWKS file) refuse it; the rest of
 * `admin` is bound at start (its listener, its histogram buckets), so a change there is a
 * warning that it waits for a restart.
 */
export function adminReloadCheck(running: Runtime, next: Runtime): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  try {
    verifierFor(next);
  } catch (e) {
    errors.push((e as Error).message); // it names its field (admin.auth.secretFile, .jwksFile)
  }
  const was = running.config.admin, now = next.config.admin;
  const warnings: string[] = [];
  const later = (what: string) => warnings.push(`${what}: takes effect at the next restart`);
  if (!was && now) later("admin added");
  else if (was && !now) later("admin removed (the admin listener stays up)");
  else if (was && now) {
    if (was.listen !== now.listen) later(`admin.listen changed from ${was.listen} to ${now.listen}`);
    if (JSON.stringify(was.metrics?.buckets) !== JSON.stringify(now.metrics?.buckets)) later("admin.metrics.buckets changed");
  }
  return { errors, warnings };
}

/** Starts the admin listener when routes.json has `admin`; throws with the reason if it cannot. */
export function startAdmin(opts: AdminOptions): { url: string; stop(): void } | undefined {
  const rt = opts.runtime();
  const cfg = rt.config.admin;
  if (!cfg) return undefined;
  const verify = verifierFor(rt);
  const startedAt = Date.now();
  const figures = () => opts.reloads?.() ?? { generation: 1, success: 0, failure: 0, loadedAt: startedAt };
  const app = createAdminApp({
    runtime: opts.runtime,
    verify: () => verifierFor(opts.runtime()),
    ready: opts.ready ?? (() => true),
    reload: opts.reload,
    info: () => {
      const f = figures();
      return {
        version: VERSION, startedAt,
        config: { file: resolve(opts.file), generation: f.generation, loadedAt: f.loadedAt },
        listeners: opts.listeners(),
        generation: f.generation,
        reloads: { success: f.success, failure: f.failure },
        connections: opts.connections?.() ?? new Map(),
        certificates: opts.certificates?.() ?? [],
      };
    },
  });
  // A --workers worker binds no admin listener: the supervisor owns it and asks every worker
  // over IPC (cli/workers.ts), so each change reaches this worker's members too.
  if (process.env[WORKER_ENV] !== undefined && process.send) {
    const send = process.send.bind(process);
    const onCall = async (m: unknown) => {
      if (!isAdminCall(m)) return;
      // Every call gets an answer, an error too: silence would cost the API its timeout.
      const res = await Promise.resolve(app.fetch(requestOf(m))).catch((e: Error) => Response.json({ error: `admin: ${e.message}` }, { status: 500 }));
      send(await answerOf(res, m.id));
    };
    process.on("message", onCall);
    // A change the API made while this worker was starting is in runtime-state.json but was
    // never asked of this worker (it refused calls until now): take it from the file.
    opts.runtime().registry.refresh();
    send({ kind: "admin-ready" });
    return { url: "", stop: () => void process.off("message", onCall) };
  }
  const { host, port } = parseHostPort(cfg.listen)!;
  const server = Bun.serve({ hostname: host, port, development: false, maxRequestBodySize: BODY_CAP, fetch: app.fetch });
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${server.port}`;
  opts.events("info", `admin listening on ${url}${verify ? "" : " (no admin.auth: read-only)"}`);
  return { url, stop: () => void server.stop(true) };
}

/**
 * An admin request and its answer as IPC messages between the `--workers` supervisor (which
 * owns the admin listener) and a worker (which runs the admin app on its own live state).
 * Plain JSON: admin bodies are small text (JSON, a login form, the page, /metrics).
 */

export interface AdminCall {
  kind: "admin-call";
  id: number;
  method: string;
  url: string;
  headers: [string, string][];
  body: string | null;
}

export interface AdminAnswer {
  kind: "admin-answer";
  id: number;
  status: number;
  headers: [string, string][];
  body: string;
}

export async function callOf(req: Request, id: number): Promise<AdminCall> {
  const body = req.method === "GET" || req.method === "HEAD" ? null : await req.text();
  return { kind: "admin-call", id, method: req.method, url: req.url, headers: [...req.headers], body };
}

export function requestOf(call: AdminCall): Request {
  return new Request(call.url, { method: call.method, headers: call.headers, body: call.body });
}

export async function answerOf(res: Response, id: number): Promise<AdminAnswer> {
  return { kind: "admin-answer", id, status: res.status, headers: [...res.headers], body: await res.text() };
}

/** Sent as soon as a worker's signal handlers are installed: HUP and USR1 may be passed on from now. */
export interface WorkerUp { kind: "worker-up" }

export function isWorkerUp(m: unknown): m is WorkerUp {
  return typeof m === "object" && m !== null && (m as WorkerUp).kind === "worker-up";
}

/** A worker's message once its admin app listens for calls from now on (one sent earlier is lost). */
export interface AdminReady { kind: "admin-ready" }

export function isAdminReady(m: unknown): m is AdminReady {
  return typeof m === "object" && m !== null && (m as AdminReady).kind === "admin-ready";
}

export function isAdminCall(m: unknown): m is AdminCall {
  return typeof m === "object" && m !== null && (m as AdminCall).kind === "admin-call";
}

export function isAdminAnswer(m: unknown): m is AdminAnswer {
  return typeof m === "object" && m !== null && (m as AdminAnswer).kind === "admin-answer";
}

/** A worker as the supervisor's admin listener sees it. */
export interface WorkerLink {
  readonly index: number;
  /** undefined while the worker is not running (crashed, waiting for its restart). */
  readonly pid: number | undefined;
  /** The worker's answer; rejects with the reason (not running, starting, exited, no answer in `timeoutMs`). */
  ask(call: AdminCall, timeoutMs: number): Promise<AdminAnswer>;
}

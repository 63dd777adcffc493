/**
 * The supervisor's end of one worker slot's IPC channel: admin calls out, answers matched back
 * by id. A slot outlives its processes: when a worker exits, what it was asked fails at once
 * ("exited") and the restarted process is attached to the same slot. Until the process says
 * its admin app listens (admin-ready), calls fail at once ("starting"): one sent before would be
 * lost and cost the API a whole timeout.
 */
import type { Subprocess } from "bun";
import { isAdminAnswer, isAdminReady, isWorkerUp, type AdminAnswer, type AdminCall, type WorkerLink } from "../admin/ipc.ts";

interface Pending { resolve(a: AdminAnswer): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }

export class WorkerSlot implements WorkerLink {
  readonly index: number;
  #proc: Subprocess | undefined;
  #ready = false;
  #up = false;
  readonly #pending = new Map<number, Pending>();

  constructor(index: number) {
    this.index = index;
  }

  /** The process has said its signal handlers are installed (worker-up). */
  get up(): boolean {
    return this.#proc !== undefined && this.#up;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  attach(proc: Subprocess): void {
    this.#proc = proc;
    this.#ready = false;
    this.#up = false;
  }

  /** The worker exited: nothing it was asked will be answered. */
  detach(proc: Subprocess, why: string): void {
    if (this.#proc !== proc) return;
    this.#proc = undefined;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`pid ${proc.pid} ${why} before answering`));
      this.#pending.delete(id);
    }
  }

  /** Bun.spawn's `ipc` callback for this slot's process. */
  onMessage(m: unknown): void {
    if (isAdminReady(m)) this.#ready = true;
    if (isWorkerUp(m)) this.#up = true;
    if (!isAdminAnswer(m)) return;
    const p = this.#pending.get(m.id);
    if (!p) return; // answered after its timeout: the API has moved on
    clearTimeout(p.timer);
    this.#pending.delete(m.id);
    p.resolve(m);
  }

  ask(call: AdminCall, timeoutMs: number): Promise<AdminAnswer> {
    const proc = this.#proc;
    if (!proc) return Promise.reject(new Error("not running (restarting)"));
    if (!this.#ready) return Promise.reject(new Error(`pid ${proc.pid} is starting (not answering yet)`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(call.id);
        reject(new Error(`pid ${proc.pid} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(call.id, { resolve, reject, timer });
      try {
        proc.send(call);
      } catch (e) {
        clearTimeout(timer);
        this.#pending.delete(call.id);
        reject(new Error(`pid ${proc.pid}: cannot send: ${(e as Error).message}`));
      }
    });
  }
}

import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { WorkerSlot } from "../../src/cli/worker-link.ts";
import { isAdminReady, type AdminCall } from "../../src/admin/ipc.ts";
import { makeTempDir } from "../temp-dirs.ts";

// A real child process on a real IPC channel: it answers with the URL, ignores /slow, exits on /exit.
const script = join(makeTempDir("worker-link-"), "child.ts");
writeFileSync(script, `process.send({ kind: "admin-ready" });
process.on("message", (m) => {
  if (m.url.endsWith("/slow")) return;
  if (m.url.endsWith("/exit")) process.exit(3);
  process.send({ kind: "admin-answer", id: m.id, status: 200, headers: [], body: m.url });
});`);

const call = (id: number, path: string): AdminCall => ({ kind: "admin-call", id, method: "GET", url: `http://admin${path}`, headers: [], body: null });

/** The child on `slot`; `ready` resolves when it says its admin app listens. */
function spawned(slot: WorkerSlot, file = script) {
  let ready = () => {};
  const said = new Promise<void>((r) => (ready = r));
  const proc = Bun.spawn([process.execPath, file], { serialization: "json", ipc: (m) => (slot.onMessage(m), isAdminReady(m) && ready()), stdio: ["ignore", "inherit", "inherit"] });
  slot.attach(proc);
  void proc.exited.then(() => slot.detach(proc, "exited"));
  return Object.assign(proc, { ready: said });
}

describe("WorkerSlot", () => {
  const slot = new WorkerSlot(1);
  const proc = spawned(slot);
  afterAll(() => proc.kill());

  test("answers are matched to their calls by id", async () => {
    await proc.ready;
    const [x, y] = await Promise.all([slot.ask(call(1, "/x"), 5000), slot.ask(call(2, "/y"), 5000)]);
    expect([x.body, y.body]).toEqual(["http://admin/x", "http://admin/y"]);
  });

  test("a call the worker does not answer fails after its timeout, naming the pid", async () => {
    const t0 = performance.now();
    await expect(slot.ask(call(3, "/slow"), 200)).rejects.toThrow(`pid ${proc.pid} did not answer within 200 ms`);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test("a worker that exits fails what it was asked at once; a slot without a process refuses", async () => {
    const other = new WorkerSlot(2);
    const child = spawned(other);
    await child.ready;
    const [pending, exiting] = await Promise.allSettled([other.ask(call(4, "/slow"), 60_000), other.ask(call(5, "/exit"), 60_000)]);
    expect(pending.status === "rejected" && (pending.reason as Error).message).toBe(`pid ${child.pid} exited before answering`);
    expect(exiting.status).toBe("rejected");
    expect(other.pid).toBeUndefined();
    await expect(other.ask(call(6, "/x"), 1000)).rejects.toThrow("not running (restarting)");
  });

  test("a slot is up (HUP and USR1 may be passed on) only once its process says worker-up, and not after it exits", async () => {
    const file = join(makeTempDir("worker-link-"), "up.ts");
    writeFileSync(file, `process.on("message", () => process.send({ kind: "worker-up" })); setTimeout(() => {}, 60_000);`);
    const s = new WorkerSlot(4);
    let said = () => {};
    const up = new Promise<void>((r) => (said = r));
    const child = Bun.spawn([process.execPath, file], { serialization: "json", ipc: (m) => (s.onMessage(m), said()), stdio: ["ignore", "inherit", "inherit"] });
    s.attach(child);
    expect(s.up).toBe(false);
    child.send({ go: 1 });
    await up;
    expect(s.up).toBe(true);
    child.kill();
    await child.exited;
    s.detach(child, "exited");
    expect(s.up).toBe(false);
  });

  test("a worker that has not said it listens fails a call at once instead of losing it", async () => {
    const silent = join(makeTempDir("worker-link-"), "silent.ts");
    writeFileSync(silent, "setTimeout(() => {}, 60_000);");
    const quiet = new WorkerSlot(3);
    const child = spawned(quiet, silent);
    try {
      await expect(quiet.ask(call(7, "/x"), 60_000)).rejects.toThrow(`pid ${child.pid} is starting (not answering yet)`);
    } finally {
      child.kill();
    }
  });
});

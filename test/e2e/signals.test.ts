import { expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { echoUpstream, startProxy, tempDir } from "./harness.ts";

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  // The access log is flushed every 100 ms by design: poll the file, bounded.
  for (const end = Date.now() + ms; !what(); await Bun.sleep(20)) if (Date.now() > end) throw new Error("timed out");
}

test("logrotate: mv access.log, kill -USR1 -> a new access.log gets the next lines and the proxy lives", async () => {
  const up = echoUpstream("u");
  const dir = tempDir();
  const log = join(dir, "access.log");
  const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: up.url }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { path: log } }, { dir });
  try {
    expect((await fetch(p.url + "/before")).status).toBe(200);
    await until(() => existsSync(log) && readFileSync(log, "utf8").includes("/before"));
    renameSync(log, log + ".1");
    p.proc.kill("SIGUSR1");
    await p.waitFor("SIGUSR1: log files reopened");
    expect((await fetch(p.url + "/after")).status).toBe(200);
    await until(() => existsSync(log) && readFileSync(log, "utf8").includes("/after"));
    expect(readFileSync(log, "utf8")).not.toContain("/before");
    expect(readFileSync(log + ".1", "utf8")).not.toContain("/after");
    p.proc.kill("SIGUSR2");
    await p.waitFor("SIGUSR2: ignored");
    expect((await fetch(p.url + "/still")).status).toBe(200);
    expect(p.proc.exitCode).toBeNull();
  } finally { await p.stop(); up.stop(); }
}, 20_000);

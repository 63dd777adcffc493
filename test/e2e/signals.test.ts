import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { startProxy } from "./harness.ts";

describe("operator signals", () => {
  test("USR1 after logrotate moved access.log opens a new access.log; the process lives", async () => {
    const up = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: () => new Response("ok") });
    const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: `http://127.0.0.1:${up.port}` }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { path: "access.log" } });
    try {
      expect((await fetch(p.url + "/before")).status).toBe(200);
      renameSync(join(p.dir, "access.log"), join(p.dir, "access.log.1"));
      p.proc.kill("SIGUSR1");
      await p.waitFor("SIGUSR1: log files reopened");
      expect(existsSync(join(p.dir, "access.log"))).toBe(true);
      expect((await fetch(p.url + "/after")).status).toBe(200);
      p.proc.kill("SIGTERM");
      expect(await p.proc.exited).toBe(0);
      const rotated = readFileSync(join(p.dir, "access.log.1"), "utf8");
      const fresh = readFileSync(join(p.dir, "access.log"), "utf8");
      expect(rotated).toContain("GET /before");
      expect(rotated).not.toContain("GET /after");
      expect(fresh).toContain("GET /after");
      expect(fresh).not.toContain("GET /before");
    } finally { p.proc.kill("SIGKILL"); up.stop(true); }
  });

  test("USR2, WINCH and PIPE are logged or ignored, never fatal; QUIT stops gracefully", async () => {
    const up = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: () => new Response("ok") });
    const p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: `http://127.0.0.1:${up.port}` }] } }, routes: [{ path: "/", pool: "u" }], accessLog: { path: "/dev/null" } });
    try {
      p.proc.kill("SIGUSR2");
      await p.waitFor("SIGUSR2: ignored");
      p.proc.kill("SIGWINCH");
      await p.waitFor("SIGWINCH: ignored");
      p.proc.kill("SIGPIPE");
      expect((await fetch(p.url + "/")).status).toBe(200);
      p.proc.kill("SIGQUIT");
      expect(await p.proc.exited).toBe(0);
      expect(p.stderr()).toContain("SIGQUIT: stopped");
    } finally { p.proc.kill("SIGKILL"); up.stop(true); }
  });
});

/** An edge-proxy with an admin listener (HS256 secret file) for the admin e2e tests. */
import { expect } from "bun:test";
import { closedPort, runBinary, startProxy, tempDir, writeFile } from "./harness.ts";

const SECRET = "0123456789abcdef0123456789abcdef-test\n";

export async function adminProxy(ups: { url: string }[], extra: { dir?: string; auth?: boolean; sticky?: boolean; health?: object; routes?: object[]; config?: object } = {}) {
  const dir = extra.dir ?? tempDir();
  writeFile(dir, "admin.secret", SECRET);
  const adminPort = closedPort();
  const config = {
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { app: { members: ups.map((u, i) => ({ url: u.url, route: `n${i + 1}` })), ...(extra.sticky ? { sticky: { cookie: "JSESSIONID", mode: "insert" } } : {}), ...(extra.health ? { health: extra.health } : {}) } },
    routes: extra.routes ?? [{ path: "/", pool: "app" }],
    accessLog: { format: "combined", path: "access.log" },
    admin: { listen: `127.0.0.1:${adminPort}`, ...(extra.auth === false ? {} : { auth: { secretFile: "admin.secret" } }) },
    ...extra.config,
  };
  const p = await startProxy(config, { dir });
  await p.waitFor("admin listening on");
  return { p, dir, admin: `http://127.0.0.1:${adminPort}` };
}

export async function token(dir: string, scope: "read" | "write", subject = "alice"): Promise<string> {
  const r = await runBinary(["token", "--secret-file", `${dir}/admin.secret`, "--scope", scope, "--subject", subject]);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}


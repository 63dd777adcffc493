/**
 * Real Apache httpd and NGINX from Debian, run in the foreground on loopback for behaviour
 * comparisons, and a curl client that shows exactly what a client sees (status, Location).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { runBinary, startProxy, type RunningProxy } from "./harness.ts";

export const HAS_APACHE = Bun.which("apache2") !== null || (await Bun.file("/usr/sbin/apache2").exists());
export const HAS_NGINX = Bun.which("nginx") !== null || (await Bun.file("/usr/sbin/nginx").exists());

const MODULES = ["mpm_event", "authz_core", "authz_host", "access_compat", "proxy", "proxy_http", "proxy_balancer", "lbmethod_byrequests", "lbmethod_bytraffic", "slotmem_shm", "headers", "rewrite", "alias", "ssl", "socache_shmcb"];

export interface Peer { stop: () => Promise<void>; log: () => Promise<string> }

/** A port that was free a moment ago (httpd and nginx cannot report an ephemeral port back). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

/** Resolves once something accepts connections on the port, or throws with the server's log. */
async function ready(port: number, proc: Subprocess, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}:\n${await log()}`);
    const ok = await new Promise<boolean>((done) => {
      Bun.connect({ hostname: "127.0.0.1", port, socket: { open(s) { s.end(); done(true); }, connectError() { done(false); }, data() {} } }).catch(() => done(false));
    });
    if (ok) return;
    await Bun.sleep(50); // polling a port: httpd and nginx signal readiness no other way
  }
  throw new Error(`not listening on ${port}:\n${await log()}`);
}

/** httpd with the modules the seeds need, listening on `ports`, then `include` (the seed). */
export async function startApache(dir: string, ports: number[], include: string): Promise<Peer> {
  const mod = (m: string) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`;
  const conf = [
    `ServerRoot ${dir}`, "ServerName localhost", `PidFile ${dir}/httpd.pid`, `DefaultRuntimeDir ${dir}`, `ErrorLog ${dir}/error.log`,
    ...MODULES.map(mod), "User nobody", "Group nogroup", "StartServers 1", "ServerLimit 1", "ThreadsPerChild 25", "MaxRequestWorkers 25",
    ...ports.map((p) => `Listen 127.0.0.1:${p}`), `Include ${include}`,
  ].join("\n");
  writeFileSync(join(dir, "httpd.conf"), `${conf}\n`);
  const proc = Bun.spawn(["/usr/sbin/apache2", "-f", join(dir, "httpd.conf"), "-DFOREGROUND"], { stdout: "pipe", stderr: "pipe" });
  const log = async () => `${await Bun.file(join(dir, "error.log")).text().catch(() => "")}${proc.exitCode !== null ? await new Response(proc.stderr).text() : ""}`;
  await ready(ports[0]!, proc, log);
  return { log, async stop() { proc.kill("SIGTERM"); await proc.exited; } };
}

/** nginx with a temporary prefix; `body` goes inside http {}. */
export async function startNginx(dir: string, port: number, body: string): Promise<Peer> {
  const conf = `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\naccess_log off;\n${body}\n}\n`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const proc = Bun.spawn(["/usr/sbin/nginx", "-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdout: "pipe", stderr: "pipe" });
  const log = async () => `${await Bun.file(join(dir, "error.log")).text().catch(() => "")}${await new Response(proc.stderr).text().catch(() => "")}`;
  await ready(port, proc, log);
  return { log, async stop() { proc.kill("SIGTERM"); await proc.exited; } };
}

export interface Seen { status: number; location?: string; body: string; headers: Record<string, string> }

/** One request with curl: exactly the Host, method and cookies given, no redirects followed. */
export async function request(url: string, opts: { method?: string; host?: string; cookie?: string } = {}): Promise<Seen> {
  const u = new URL(url);
  const args = ["curl", "-s", "-k", "-i", "--max-time", "10", "-X", opts.method ?? "GET"];
  if (opts.host) args.push("-H", `Host: ${opts.host}`);
  if (opts.cookie) args.push("-H", `Cookie: ${opts.cookie}`);
  if (u.protocol === "https:" && opts.host) args.push("--resolve", `${opts.host.split(":")[0]}:${u.port}:127.0.0.1`), (u.hostname = opts.host.split(":")[0]!);
  const proc = Bun.spawn([...args, u.toString()], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const cut = out.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = out.slice(0, cut).split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) { const i = l.indexOf(":"); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
  return { status: Number(statusLine?.split(" ")[1]), location: headers.location, body: out.slice(cut + 4), headers };
}

/** An upstream that names itself, reports the Host and path it saw, and redirects on ?to=. */
export function namedUpstream(name: string, tls?: { cert: string; key: string }) {
  const server = Bun.serve({
    port: 0, hostname: "127.0.0.1", development: false, tls,
    fetch(req) {
      const url = new URL(req.url);
      const to = url.searchParams.get("to");
      const seen = JSON.stringify({ name, path: url.pathname, host: req.headers.get("host") });
      if (to) return new Response(seen, { status: 302, headers: { location: to } });
      return new Response(seen, { headers: { "content-type": "application/json" } });
    },
  });
  return { server, port: server.port!, stop: () => server.stop(true) };
}

/** `proxy import` of the adapted seed, served by dist/proxy on ephemeral loopback ports. */
export async function importAndServe(kind: "apache" | "nginx", dir: string, conf: string): Promise<RunningProxy> {
  const r = await runBinary(["import", kind, conf, "-o", join(dir, "routes.json")]);
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
  const routes = JSON.parse(readFileSync(join(dir, "routes.json"), "utf8"));
  for (const l of routes.listeners) Object.assign(l, { port: 0, host: "127.0.0.1" });
  return startProxy(routes, { dir });
}

/** Which member answered (namedUpstream bodies), and how often each did. */
export const name = (body: string) => (JSON.parse(body) as { name: string }).name;
export const spread = (names: string[]) => names.reduce<Record<string, number>>((m, n) => ((m[n] = (m[n] ?? 0) + 1), m), {});

/** A CA and a localhost/127.0.0.1 server certificate (RSA, unencrypted), made by `proxy cert`. */
export async function certs(dir: string, sans: string): Promise<{ cert: string; key: string }> {
  for (const args of [["ca", "--cn", "Seed CA", "--cert", "ca.crt", "--key", "ca.key"], ["issue", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--cn", sans.split(",")[0]!, "--san", sans, "--key-type", "rsa", "--cert", "server.crt", "--key", "server.key"]]) {
    const r = await runBinary(["cert", ...args], { cwd: dir });
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return { cert: readFileSync(join(dir, "server.crt"), "utf8"), key: readFileSync(join(dir, "server.key"), "utf8") };
}

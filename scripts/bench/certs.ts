// Certificates for the HTTPS scenarios, made with our own CLI (`proxy cert ca` + `proxy cert
// issue`) so that every bench run also exercises it. One server certificate (EC P-256, the
// CLI's default; CN localhost, SANs localhost and 127.0.0.1) is used by all three legs:
//   ca.crt / ca.key          the bench CA; the bench's own readiness checks trust ca.crt
//   server.crt / server.key  edge-proxy (routes.json tls.certificates) and NGINX
//   combined.pem             server.crt + server.key, for HAProxy's `bind ... ssl crt`
import { chmodSync, mkdirSync } from "node:fs";

export type BenchCerts = {
  dir: string;
  caCert: string;
  cert: string;
  key: string;
  combined: string;
  /** ca.crt's PEM text, for fetch(..., { tls: { ca } }) */
  caPem: string;
  /** `proxy cert inspect server.crt server.key`, for the report */
  inspect: string;
};

/**
 * What a leg's HTTPS listener negotiates with OpenSSL's client (the library wrk uses, so the
 * same choice wrk gets): "TLSv1.3 TLS_AES_256_GCM_SHA384", or null without openssl. A leg
 * picking a cheaper cipher than the others would win on that alone; the report shows it.
 */
export function negotiated(port: number): string | null {
  const r = Bun.spawnSync(["openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-brief"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 5000 });
  const text = `${r.stdout.toString()}${r.stderr.toString()}`;
  const proto = /Protocol version:\s*(\S+)/.exec(text)?.[1];
  const suite = /Ciphersuite:\s*(\S+)/.exec(text)?.[1];
  const group = /(?:Server Temp Key|Negotiated TLS1\.3 group):\s*([^\n]+)/.exec(text)?.[1]?.trim();
  return proto === undefined || suite === undefined ? null : `${proto} ${suite}${group === undefined ? "" : ` (${group})`}`;
}

/** Runs one CLI command, bounded in time; the error text includes its output. */
function run(cmd: string[], cwd: string): { ok: boolean; out: string } {
  const r = Bun.spawnSync(cmd, { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const out = `${r.stdout.toString()}${r.stderr.toString()}`.trim();
  return { ok: r.exitCode === 0, out: r.exitCode === 0 ? out : `\`${cmd.join(" ")}\` exited with ${r.exitCode ?? r.signalCode ?? "?"}: ${out}` };
}

/**
 * Makes the CA and the server certificate under `${dir}/tls` with `cli` (e.g. ["./dist/proxy"]
 * as an absolute path). Returns the files, or the error text when a step failed.
 */
export async function makeBenchCerts(cli: string[], dir: string): Promise<BenchCerts | string> {
  const d = `${dir}/tls`;
  mkdirSync(d, { recursive: true });
  const steps = [
    [...cli, "cert", "ca", "--cn", "Bench CA", "--cert", "ca.crt", "--key", "ca.key"],
    [...cli, "cert", "issue", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--cn", "localhost", "--san", "localhost,127.0.0.1", "--cert", "server.crt", "--key", "server.key"],
  ];
  for (const s of steps) {
    const r = run(s, d);
    if (!r.ok) return r.out;
  }
  const inspect = run([...cli, "cert", "inspect", "server.crt", "server.key"], d);
  const [cert, key, caPem] = await Promise.all([Bun.file(`${d}/server.crt`).text(), Bun.file(`${d}/server.key`).text(), Bun.file(`${d}/ca.crt`).text()]);
  if (!cert.includes("-----BEGIN CERTIFICATE-----") || !key.includes("PRIVATE KEY-----")) return `${d}: the CLI wrote no PEM certificate/key`;
  await Bun.write(`${d}/combined.pem`, `${cert.trimEnd()}\n${key.trimEnd()}\n`);
  chmodSync(`${d}/combined.pem`, 0o600); // it holds the key
  return { dir: d, caCert: `${d}/ca.crt`, cert: `${d}/server.crt`, key: `${d}/server.key`, combined: `${d}/combined.pem`, caPem, inspect: inspect.out };
}

/** TLS helpers for the e2e tests: real clients (curl, openssl s_client) and HTTPS upstreams. */
import { issueLeaf, selfSigned, createCA } from "../../src/tls/issue.ts";
import { runBinary } from "./harness.ts";

/** curl trusting only `caFile`, with `name` resolved to 127.0.0.1 so SNI and Host are `name`. */
export async function curlTls(url: string, caFile: string, extra: string[] = []): Promise<{ code: number; status: number; body: string; stderr: string }> {
  const u = new URL(url);
  const proc = Bun.spawn(["curl", "-sS", "--cacert", caFile, "--resolve", `${u.hostname}:${u.port}:127.0.0.1`, "-o", "-", "-w", "\n%{http_code}", ...extra, url], { stdout: "pipe", stderr: "pipe" });
  const [out, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const cut = out.lastIndexOf("\n");
  return { code, status: Number(out.slice(cut + 1)), body: out.slice(0, cut), stderr };
}

/** The subject of the certificate served for `serverName` (openssl s_client, a separate TLS stack). */
export async function servedSubject(port: number, serverName: string): Promise<string> {
  const cmd = `openssl s_client -connect 127.0.0.1:${port} -servername ${serverName} </dev/null 2>/dev/null | openssl x509 -noout -subject`;
  const proc = Bun.spawn(["sh", "-c", cmd], { stdout: "pipe", stderr: "pipe" });
  return (await new Response(proc.stdout).text()).trim();
}

/** A CA and a server certificate made by the binary itself, as an operator would. */
export async function binaryCerts(dir: string, cn: string, sans: string): Promise<void> {
  const ca = await runBinary(["cert", "ca", "--cn", "E2E CA", "--cert", "ca.crt", "--key", "ca.key"], { cwd: dir });
  if (ca.code !== 0) throw new Error(`proxy cert ca failed: ${ca.stderr}`);
  const leaf = await runBinary(["cert", "issue", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--cn", cn, "--san", sans, "--cert", `${cn}.crt`, "--key", `${cn}.key`], { cwd: dir });
  if (leaf.code !== 0) throw new Error(`proxy cert issue failed: ${leaf.stderr}`);
}

/** An HTTPS upstream: self-signed, or issued by a fresh CA whose PEM is returned. */
export async function httpsUpstream(name: string, kind: "self-signed" | "ca-issued") {
  let caPem: string | undefined;
  let cert;
  if (kind === "self-signed") cert = await selfSigned({ cn: "upstream", sans: ["127.0.0.1", "localhost"] });
  else {
    const ca = await createCA({ cn: "Upstream CA" });
    caPem = ca.certPem;
    cert = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "upstream", sans: ["127.0.0.1", "localhost"] });
  }
  const server = Bun.serve({
    port: 0, hostname: "127.0.0.1", development: false,
    tls: { cert: cert.certPem, key: cert.keyPem },
    fetch: (req) => Response.json({ name, proto: req.headers.get("x-forwarded-proto"), path: new URL(req.url).pathname }),
  });
  return { server, caPem, url: `https://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

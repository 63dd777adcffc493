// The proxies under test ("legs"): how to configure and start each one in front of the two
// upstream members. Each leg starts pinned to CPU 0 and listens on 127.0.0.1 only: on a
// plain HTTP port and, for the HTTPS scenarios, on a second port where it terminates TLS
// itself (same process, same upstream pool). /s/ goes to the two https:// members (when the
// bench has certificates), verified against the bench CA with keep-alive and TLS session
// reuse on every leg. Every leg writes an access line per request to a file, logs/access.log:
//   nginx    `access_log ... combined buffer=16k flush=100ms`
//   proxy    its own accessLog (format combined; it batches writes the same way)
//   haproxy  2.6 cannot write a file itself: `log stdout format raw` with `option httplog`,
//            the bench pointing its stdout at the file (one write(2) per request, unbuffered)
import { mkdirSync } from "node:fs";
import { relative } from "node:path";
import type { BenchCerts } from "./certs.ts";
import { pinned } from "./proc.ts";

export type LegName = "nginx" | "haproxy" | "proxy";
export const LEG_NAMES: LegName[] = ["nginx", "haproxy", "proxy"];

/** The two upstream members: their ports and the pid of the process serving both. */
export type Upstreams = { ports: number[]; tlsPorts: number[]; pid?: number };

/** The HTTPS listener of a leg: its port and the certificate it serves (certs.ts). */
export type LegTls = { port: number; certs: BenchCerts };

const PROXY_CPU = 0;

/** The file every leg's access lines go to. */
export const accessLogPath = (dir: string): string => `${dir}/access.log`;

/** https:// members only with certificates to verify them by. */
const tlsMembers = (up: Upstreams, tls: LegTls | null): number[] => (tls === null ? [] : up.tlsPorts);

function nginxConf(dir: string, port: number, up: Upstreams, tls: LegTls | null, workers: number): string {
  const servers = up.ports.map((p) => `    server 127.0.0.1:${p};`).join("\n");
  const https = tlsMembers(up, tls);
  const tlsUpstream = https.length === 0 ? "" : `
  upstream bench_tls {
${https.map((p) => `    server 127.0.0.1:${p};`).join("\n")}
    keepalive 64;
  }`;
  const tlsLocation = https.length === 0 ? "" : `
    location /s/ {
      proxy_pass https://bench_tls;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_session_reuse on;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${tls!.certs.caCert};
      proxy_ssl_name localhost;
    }`;
  return `worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${accessLogPath(dir)} combined buffer=16k flush=100ms;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream bench {
${servers}
    keepalive 64;
  }${tlsUpstream}
  server {
    listen 127.0.0.1:${port};${
      tls === null
        ? ""
        : `
    # Defaults otherwise (keepalive_timeout, ciphers). ssl_protocols: NGINX < 1.23.4 leaves
    # TLS 1.3 out by default, and the other legs negotiate 1.3 with wrk.
    listen 127.0.0.1:${tls.port} ssl;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate ${tls.certs.cert};
    ssl_certificate_key ${tls.certs.key};`
    }
    location / {
      proxy_pass http://bench;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }${tlsLocation}
  }
}
`;
}

function haproxyConf(port: number, up: Upstreams, tls: LegTls | null): string {
  const servers = up.ports.map((p, i) => `  server m${i + 1} 127.0.0.1:${p}`).join("\n");
  const https = tlsMembers(up, tls);
  // HAProxy keeps a TLS session per server and resumes it by default.
  const tlsBackend = https.length === 0 ? "" : `backend be_tls
  balance roundrobin
${https.map((p, i) => `  server t${i + 1} 127.0.0.1:${p} ssl verify required ca-file ${tls!.certs.caCert} verifyhost localhost`).join("\n")}
`;
  return `global
  nbthread 1
  maxconn 4096
  log stdout format raw local0 info
defaults
  mode http
  log global
  option httplog
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:${port}${tls === null ? "" : `\n  bind 127.0.0.1:${tls.port} ssl crt ${tls.certs.combined}`}
${https.length === 0 ? "" : "  use_backend be_tls if { path_beg /s/ }\n"}  default_backend be
backend be
  balance roundrobin
${servers}
${tlsBackend}`;
}

/**
 * The routes.json contract (docs/): one plain listener (first, so that single-listener
 * stand-ins serve it), an optional TLS listener whose certificate paths are relative to
 * routes.json (dir), a pool of two http:// members and, with certificates, one of two https://.
 */
export function routesJson(dir: string, port: number, up: Upstreams, tls: LegTls | null): object {
  const https = tls === null ? [] : [{ port: tls.port, host: "127.0.0.1", tls: { certificates: [{ cert: relative(dir, tls.certs.cert), key: relative(dir, tls.certs.key) }] } }];
  const members = tlsMembers(up, tls);
  const tlsPool = members.length === 0 ? {} : { benchTls: { members: members.map((p) => ({ url: `https://127.0.0.1:${p}` })), tls: { ca: relative(dir, tls!.certs.caCert) } } };
  return {
    listeners: [{ port, host: "127.0.0.1" }, ...https],
    pools: { bench: { members: up.ports.map((p) => ({ url: `http://127.0.0.1:${p}` })) }, ...tlsPool },
    routes: [...(members.length === 0 ? [] : [{ path: "/s", pool: "benchTls" }]), { path: "/", pool: "bench" }],
    accessLog: { format: "combined", path: accessLogPath(dir) },
  };
}

/**
 * Writes the leg's configuration under dir and returns the command that runs it in the
 * foreground (never the distro's service: we own the process and kill it afterwards).
 */
export async function prepareLeg(name: LegName, dir: string, port: number, up: Upstreams, proxyCmd: string[], tls: LegTls | null, workers?: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  await Bun.write(accessLogPath(dir), ""); // haproxy's stdout is opened on it before it starts
  // `workers` (the two-worker group, workers-leg.ts): NGINX worker_processes N against
  // edge-proxy --workers N, both unpinned; without it, one CPU each.
  const place = (cmd: string[]) => (workers === undefined ? pinned(PROXY_CPU, cmd) : cmd);
  if (name === "nginx") {
    await Bun.write(`${dir}/nginx.conf`, nginxConf(dir, port, up, tls, workers ?? 1));
    // -e: the startup error log, otherwise /var/log/nginx/error.log; -g: stay in the foreground.
    return place(["nginx", "-p", dir, "-e", `${dir}/error.log`, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"]);
  }
  if (name === "haproxy" && workers !== undefined) throw new Error("the two-worker group compares NGINX and edge-proxy only");
  if (name === "haproxy") {
    await Bun.write(`${dir}/haproxy.cfg`, haproxyConf(port, up, tls));
    // -db: foreground, no daemon.
    return pinned(PROXY_CPU, ["haproxy", "-db", "-f", `${dir}/haproxy.cfg`]);
  }
  await Bun.write(`${dir}/routes.json`, JSON.stringify(routesJson(dir, port, up, tls), null, 2));
  return place([...proxyCmd, "--routes", `${dir}/routes.json`, ...(workers === undefined ? [] : ["--workers", String(workers)])]);
}

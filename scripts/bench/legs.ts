// The proxies under test ("legs"): how to configure and start each one in front of the two
// upstream members. Each leg starts pinned to CPU 0 and listens on 127.0.0.1 only: on a
// plain HTTP port and, for the HTTPS scenarios, on a second port where it terminates TLS
// itself (same process, same upstream pool; the upstreams stay plain HTTP).
import { mkdirSync } from "node:fs";
import { relative } from "node:path";
import type { BenchCerts } from "./certs.ts";
import { pinned } from "./proc.ts";

export type LegName = "nginx" | "haproxy" | "proxy";
export const LEG_NAMES: LegName[] = ["nginx", "haproxy", "proxy"];

/** The two upstream members: their ports and the pid of the process serving both. */
export type Upstreams = { ports: number[]; pid?: number };

/** The HTTPS listener of a leg: its port and the certificate it serves (certs.ts). */
export type LegTls = { port: number; certs: BenchCerts };

const PROXY_CPU = 0;

function nginxConf(dir: string, port: number, up: Upstreams, tls: LegTls | null): string {
  const servers = up.ports.map((p) => `    server 127.0.0.1:${p};`).join("\n");
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream bench {
${servers}
    keepalive 64;
  }
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
    }
  }
}
`;
}

function haproxyConf(port: number, up: Upstreams, tls: LegTls | null): string {
  const servers = up.ports.map((p, i) => `  server m${i + 1} 127.0.0.1:${p}`).join("\n");
  return `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:${port}${tls === null ? "" : `\n  bind 127.0.0.1:${tls.port} ssl crt ${tls.certs.combined}`}
  default_backend be
backend be
  balance roundrobin
${servers}
`;
}

/**
 * The routes.json contract (docs/configuration.md): one plain listener (first, so that
 * single-listener stand-ins serve it), an optional TLS listener whose certificate paths are
 * relative to routes.json (dir), one pool of two members.
 */
export function routesJson(dir: string, port: number, up: Upstreams, tls: LegTls | null): object {
  const https = tls === null ? [] : [{ port: tls.port, host: "127.0.0.1", tls: { certificates: [{ cert: relative(dir, tls.certs.cert), key: relative(dir, tls.certs.key) }] } }];
  return {
    listeners: [{ port, host: "127.0.0.1" }, ...https],
    pools: { bench: { members: up.ports.map((p) => ({ url: `http://127.0.0.1:${p}` })) } },
    routes: [{ path: "/", pool: "bench" }],
    accessLog: { format: "combined", path: "/dev/null" },
  };
}

/**
 * Writes the leg's configuration under dir and returns the command that runs it in the
 * foreground (never the distro's service: we own the process and kill it afterwards).
 */
export async function prepareLeg(name: LegName, dir: string, port: number, up: Upstreams, proxyCmd: string[], tls: LegTls | null): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  if (name === "nginx") {
    await Bun.write(`${dir}/nginx.conf`, nginxConf(dir, port, up, tls));
    // -e: the startup error log, otherwise /var/log/nginx/error.log; -g: stay in the foreground.
    return pinned(PROXY_CPU, ["nginx", "-p", dir, "-e", `${dir}/error.log`, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"]);
  }
  if (name === "haproxy") {
    await Bun.write(`${dir}/haproxy.cfg`, haproxyConf(port, up, tls));
    // -db: foreground, no daemon.
    return pinned(PROXY_CPU, ["haproxy", "-db", "-f", `${dir}/haproxy.cfg`]);
  }
  await Bun.write(`${dir}/routes.json`, JSON.stringify(routesJson(dir, port, up, tls), null, 2));
  return pinned(PROXY_CPU, [...proxyCmd, "--routes", `${dir}/routes.json`]);
}

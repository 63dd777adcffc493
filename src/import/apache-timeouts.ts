/**
 * httpd's timeouts: what a client may take (KeepAliveTimeout, mod_reqtimeout's
 * RequestReadTimeout), one set for the whole proxy, and how long a server waits for a member
 * (ProxyTimeout, Timeout), per server.
 */
import type { Node, Report } from "./report.ts";
import { duration, type Json } from "./emit.ts";
import type { ApacheModel, Server } from "./apache-model.ts";

/** What httpd waits for a member, short of a worker's timeout=: ProxyTimeout, else Timeout (in either order). */
export function backendTimeout(s: Server): number | undefined {
  return s.proxyTimeout ?? s.timeout;
}

/**
 * A worker's timeouts: timeout= (else `base`, the server's Timeout) for connect and every read,
 * connectiontimeout= for connect. timeout=0, or a value that is no number, is taken as unset.
 */
export function workerTimeouts(get: (k: string) => string | undefined, base: number): Json {
  const secs = (k: string) => {
    const n = Number(get(k));
    return n > 0 ? n * 1000 : undefined;
  };
  const t = secs("timeout") ?? base;
  return { connect: duration(secs("connectiontimeout") ?? t), response: duration(t), idle: duration(t) };
}

/** KeepAliveTimeout, RequestReadTimeout, ProxyTimeout and Timeout; false for any other directive. */
export function timeoutDirective(n: Node, s: Server, model: ApacheModel, report: Report): boolean {
  const a = n.args;
  switch (n.name) {
    case "keepalivetimeout": {
      const m = /^(\d+)(ms)?$/i.exec(a[0] ?? "");
      if (!m) report.skip(n, "expected seconds, or milliseconds with ms");
      else if (Number(m[1]) === 0) report.skip(n, "0 turns client keep-alive off; the proxy always keeps connections open");
      else model.clientTimeouts.push({ field: "keepAlive", ms: Number(m[1]) * (m[2] ? 1 : 1000), node: n });
      return true;
    }
    case "requestreadtimeout": return requestReadTimeout(n, model, report), true;
    case "proxytimeout": case "timeout":
      if (!/^\d+$/.test(a[0] ?? "") || Number(a[0]) === 0) report.skip(n, "expected a number of seconds more than 0; httpd's default 60 stays");
      else s[n.name === "timeout" ? "timeout" : "proxyTimeout"] = Number(a[0]) * 1000;
      return true;
  }
  return false;
}

/**
 * mod_reqtimeout `header=20-40,MinRate=500 body=20,MinRate=500`: the proxy has no MinRate, so
 * a range takes its upper end (the longest httpd ever waits) rather than cut off a client
 * httpd would have served.
 */
function requestReadTimeout(n: Node, model: ApacheModel, report: Report): void {
  for (const w of n.args) {
    const m = /^(header|body)=(\d+)(?:-(\d+))?(,minrate=\d+)?$/i.exec(w);
    if (!m) { report.skip(n, `${w}: only header=N[-M] and body=N[-M] convert`); continue; }
    const ms = Number(m[3] ?? m[2]) * 1000;
    if (ms === 0) { report.skip(n, `${w}: a disabled limit is not converted`); continue; }
    if (m[3] || m[4]) report.note(n, `${w}: the proxy has no MinRate; ${m[1]} waits ${ms / 1000}s`);
    model.clientTimeouts.push({ field: m[1]!.toLowerCase() as "header" | "body", ms, node: n });
  }
}

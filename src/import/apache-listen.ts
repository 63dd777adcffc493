/**
 * The listeners a VirtualHost (or the main server) answers on: one per port, with the
 * server's certificate under SSLEngine on, or redirectHttps for a port whose every vhost only
 * `Redirect`s / to https (httpd answers nothing else there).
 */
import { dirname } from "node:path";
import { Draft, splitUrl, type Json } from "./emit.ts";
import type { ApacheModel, Server } from "./apache-model.ts";

const redirectOnly = (x: Server) => !x.passes.length && x.redirects.some((r) => r.path === "/" && /^https:/i.test(r.to));

/** Makes the server's listeners; returns the ports it routes on (not the redirectHttps ones). */
export function listeners(s: Server, servers: Server[], model: ApacheModel, draft: Draft): number[] {
  const routed: number[] = [];
  for (const port of s.ports) {
    const listen = model.listens.find((l) => l.port === port);
    const ip = s.addrs.find((a) => a.port === port || a.port === undefined)?.host;
    // Listen decides what httpd binds; a vhost's address only picks among the connections.
    const listener = draft.listener(port, listen ? listen.host : ip);
    if (ip && listen && listen.host !== ip) {
      draft.report.note(s.node, `httpd gives connections to ${ip}:${port} to the vhosts with that address first, and those to other addresses to the *:${port} ones; routes.json picks by Host and port only, so this vhost is taken as *:${port} (not exact)`);
    }
    if (s.ssl.engine) tls(s, listener, model, draft);
    const peers = servers.filter((x) => x.ports.includes(port));
    const all = redirectOnly(s) && peers.every(redirectOnly) && !s.ssl.engine;
    // redirectHttps keeps the Host the client sent: only where httpd's target is that host.
    if (all && sameTarget(peers) && peers.every(toOwnName)) redirectHttps(s, listener, draft);
    else routed.push(port);
    // One redirectHttps answers the whole port one way; httpd sends each vhost's names (and the
    // default vhost's every other host) to that vhost's own URL: a keepPath route each.
    if (all && !sameTarget(peers)) draft.report.note(root(s).node, `the vhosts of port ${port} redirect to different ports or statuses: a keepPath redirect route per vhost, not one redirectHttps listener`);
    else if (all && !peers.every(toOwnName)) draft.report.note(root(s).node, `httpd sends every client to ${splitUrl(root(s).to)?.host}, whatever Host it asked for: a keepPath redirect route, not a redirectHttps listener (which keeps the client's Host)`);
  }
  if (!routed.length) {
    const r = s.redirects.find((x) => x.path === "/");
    const merged = s === model.main ? [] : model.main.redirects;
    for (const x of [...s.redirects, ...merged].filter((y) => y !== r)) draft.report.skip(x.node, "the listener redirects every request to HTTPS");
  }
  return routed;
}

const root = (x: Server) => x.redirects.find((r) => r.path === "/")!;

/** The vhost's `Redirect /` goes to one of its own names (a ServerName or ServerAlias). */
const toOwnName = (x: Server) => {
  const u = splitUrl(root(x).to);
  return u !== undefined && x.names.some((n) => n.toLowerCase() === u.host.toLowerCase());
};

/** The vhosts' `Redirect /` all go to one port with one status: one redirectHttps can answer for them (each to its own name: toOwnName). */
function sameTarget(peers: Server[]): boolean {
  const key = (x: Server) => {
    const r = root(x), u = splitUrl(r.to);
    return JSON.stringify([u?.port, r.status]);
  };
  return peers.every((x) => key(x) === key(peers[0]!));
}

function redirectHttps(s: Server, listener: Json, draft: Draft): void {
  const report = draft.report;
  const r = s.redirects.find((x) => x.path === "/")!;
  const u = splitUrl(r.to);
  listener.redirectHttps = { port: u?.port ?? 443, status: [301, 302, 307, 308].includes(r.status) ? r.status : 301 };
  if (u && u.path !== "/") report.note(r.node, `the target path ${u.path} is not kept: redirectHttps keeps the client's path`);
}

function tls(s: Server, listener: Json, model: ApacheModel, draft: Draft): void {
  const dir = dirname(s.node.loc.file);
  if (!s.ssl.certs.length) return draft.report.skip(s.ssl.node!, "SSLEngine on without SSLCertificateFile: no certificate to serve");
  const t = (listener.tls ??= { certificates: [] }) as { certificates: Json[] };
  // OpenSSL keeps one certificate per key type, so of two pairs of one type httpd serves the
  // last loaded; the proxy serves the first of a type: the pairs go in last first.
  [...s.ssl.certs.entries()].reverse().forEach(([i, file]) => {
    // Without its SSLCertificateKeyFile, httpd reads the key from the certificate file.
    const cert: Json = { cert: draft.file(file, dir), key: draft.file(s.ssl.keys[i] ?? file, dir) };
    if (s.ssl.chain) cert.chain = draft.file(s.ssl.chain, dir);
    if (model.passphraseCommand) cert.passphraseCommand = draft.file(model.passphraseCommand, dir);
    if (!t.certificates.some((c) => c.cert === cert.cert)) t.certificates.push(cert);
  });
}

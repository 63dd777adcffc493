/**
 * Apache httpd directives -> the model of apache-model.ts (servers, balancers, passes). Turning
 * the model into routes.json is apache-vhost.ts; every directive not understood is reported.
 */
import type { Node, Report } from "./report.ts";
import { parseHeader, rewriteRule } from "./apache-headers.ts";
import { findBalancer, balancerName, newServer, ownBalancer, params, resolvePorts, type Addr, type ApacheModel, type ProxySsl, type Server } from "./apache-model.ts";
import { timeoutDirective } from "./apache-timeouts.ts";
import { parseRedirect } from "./apache-redirect.ts";

const on = (n: Node) => (n.args[0] ?? "").toLowerCase() === "on";
const OPEN_ACCESS = /^(order\b|allow from all$|deny from none$|require all granted$|satisfy any$)/i;
/** Directives whose effect is what the proxy does anyway (nothing to write, nothing lost). */
const SAME = new Set(["sslproxyengine", "serverroot", "proxyrequests"]);
const WHY: Record<string, string> = {
  loadmodule: "modules are built into the proxy",
  namevirtualhost: "has no effect since httpd 2.4",
  serveradmin: "the proxy shows no contact address",
  documentroot: "the proxy serves no files; requests that no route matches get 404",
  errorlog: "the proxy's own log goes to standard error (eventLog)",
  loglevel: "the proxy's log level is eventLog.level",
  logformat: "access log formats are combined or json",
  forcetype: "the proxy does not change Content-Type",
  keepalive: "client keep-alive is always on",
  sslprotocol: "the proxy offers TLS 1.2 and 1.3 (listeners[].tls.minVersion)", sslciphersuite: "the proxy uses Bun's TLS cipher defaults",
  sslhonorcipherorder: "the proxy uses Bun's TLS cipher defaults", proxyvia: "the proxy sends no Via header",
};

export function collect(nodes: Node[], report: Report): ApacheModel {
  const model: ApacheModel = { main: newServer({ name: "", args: [], loc: nodes[0]?.loc ?? { file: "", line: 0 }, text: "main server" }), vhosts: [], listens: [], sticky: [], clientTimeouts: [], trusted: [] };
  walk(nodes, model.main, model, report);
  resolvePorts(model);
  return model;
}

/**
 * One `<VirtualHost>` address: `10.0.0.1:8080`, `[::1]:443`, `*:80`, `_default_:443`, `*`.
 * httpd reads every address of the section (`<VirtualHost *:80 *:8080>` answers on both).
 */
function address(word: string): Addr {
  const m = /^(.*?)(?::(\d+|\*))?$/.exec(word)!;
  const host = m[1] === "*" || m[1] === "_default_" ? undefined : m[1]!.replace(/^\[|\]$/g, "");
  return { host, port: m[2] && m[2] !== "*" ? Number(m[2]) : undefined };
}

function walk(nodes: Node[], s: Server, model: ApacheModel, report: Report, location?: string): void {
  for (const n of nodes) {
    if (n.children) section(n, s, model, report, location);
    else directive(n, s, model, report, location);
  }
}

function section(n: Node, s: Server, model: ApacheModel, report: Report, location?: string): void {
  const kind = n.name.slice(1);
  const arg = n.args[0] ?? "";
  if (kind === "ifmodule" || kind === "ifdefine" || kind === "ifversion") {
    if (arg.startsWith("!")) return report.skip(n, `assumed false (the proxy has every module it needs); its contents are not converted`);
    return walk(n.children!, s, model, report, location);
  }
  if (kind === "virtualhost") {
    if (s !== model.main) return report.skip(n, "a VirtualHost inside another section is not valid");
    const v = newServer(n, (n.args.length ? n.args : ["*"]).map(address));
    model.vhosts.push(v);
    return walk(n.children!, v, model, report);
  }
  if (kind === "proxy" && /^balancer:\/\//i.test(arg)) {
    const b = ownBalancer(s, arg, n);
    for (const c of n.children!) {
      if (c.name === "balancermember") b.members.push({ url: c.args[0] ?? "", params: params(c.args.slice(1)), node: c });
      else if (c.name === "proxyset") { for (const [k, v] of params(c.args)) b.params.set(k, v); b.paramNodes.push(c); }
      else if (OPEN_ACCESS.test(c.text)) continue;
      else if (proxySsl(c, b.proxySsl, report)) continue;
      else if (/^(order|allow|deny|require)$/.test(c.name)) report.skip(c, "access control is not converted: the route serves every client");
      else report.skip(c, "not converted inside <Proxy balancer://>");
    }
    return;
  }
  if (kind === "proxy") {
    // SSLProxy* in <Proxy URL> apply to that URL only (httpd 2.4.30+): taken as the server's, a
    // client certificate or CA meant for one backend would reach every https:// pool. <Proxy *> is every URL.
    const scoped = arg === "*" ? [] : n.children!.filter((c) => c.name.startsWith("sslproxy"));
    for (const c of scoped) report.skip(c, `inside <Proxy ${arg}>: httpd applies it to that URL only; give it as tls on the pool of that URL in routes.json`);
    return walk(n.children!.filter((c) => !scoped.includes(c)), s, model, report, location);
  }
  if (kind === "location" && !location) return walk(n.children!, s, model, report, arg);
  report.skip(n, `<${kind}> sections are not converted; their contents are left out`);
}

function directive(n: Node, s: Server, model: ApacheModel, report: Report, location?: string): void {
  const a = n.args;
  if (location && !["proxypass", "proxypassreverse", "sethandler"].includes(n.name) && !OPEN_ACCESS.test(n.text)) {
    return report.skip(n, `inside <Location ${location}>: only ProxyPass, ProxyPassReverse and SetHandler balancer-manager convert there`);
  }
  switch (n.name) {
    case "listen": {
      const m = /^(?:(.*):)?(\d+)$/.exec(a[0] ?? "");
      if (!m) return report.skip(n, "expected [address:]port");
      return void model.listens.push({ host: m[1]?.replace(/^\[|\]$/g, ""), port: Number(m[2]), node: n });
    }
    case "servername": return void s.names.push((a[0] ?? "").replace(/^\w+:\/\//, "").replace(/:\d+$/, ""));
    case "serveralias": return void s.names.push(...a);
    case "proxypass": {
      const [path, target, ...rest] = location ? [location, ...a] : a;
      if (!path || !target) return report.skip(n, "expected ProxyPass path URL");
      const pass = { path, target, params: params(rest), node: n, ...(location ? { inLocation: true } : {}) };
      // mod_proxy's proxy_trans tries a <Location>'s ProxyPass before the server's list.
      if (location) return void s.passes.splice(s.passes.filter((p) => p.inLocation).length, 0, pass);
      return void s.passes.push(pass);
    }
    case "proxypassreverse": {
      const [path, url] = location ? [location, a[0]] : a;
      if (!path || !url) return report.skip(n, "expected ProxyPassReverse path URL");
      return void s.reverses.push({ path, url, node: n });
    }
    case "proxypassreversecookiepath": return void s.cookiePaths.push({ from: a[0] ?? "", to: a[1] ?? "", node: n });
    case "proxypassreversecookiedomain": return report.note(n, "routes.json drops a Domain= that names a member host, so the cookie belongs to the host the client asked for");
    case "sethandler":
      if ((a[0] ?? "").toLowerCase() === "balancer-manager") return void (s.balancerManager = n);
      return report.skip(n, "handlers other than balancer-manager are not converted");
    case "proxyset": {
      if (!/^balancer:\/\//i.test(a[0] ?? "")) return report.skip(n, "ProxySet outside <Proxy balancer://> needs the balancer URL first");
      const b = findBalancer(model, s, balancerName(a[0]!)) ?? ownBalancer(s, a[0]!, n);
      for (const [k, v] of params(a.slice(1))) b.params.set(k, v);
      return void b.paramNodes.push(n);
    }
    case "balancermember": return report.skip(n, "BalancerMember outside <Proxy balancer://> is not converted");
    case "allowencodedslashes": {
      const v = (a[0] ?? "").toLowerCase();
      if (v === "off") return;
      if (v === "on") report.note(n, "allowEncodedSlashes passes %2F as received, as NoDecode does; httpd On also decodes it before matching");
      return void (s.encodedSlashes = n);
    }
    case "proxypreservehost": return void (s.preserveHost = on(n));
    case "header": case "requestheader": {
      const sticky = parseHeader(n, n.name === "header" ? s.resp : s.req, report, n.name === "requestheader");
      if (sticky) model.sticky.push(sticky);
      return;
    }
    case "rewriteengine": return void (s.rewrite.on = on(n));
    case "rewritecond": return void s.rewrite.conds.push(n);
    case "rewriterule": return rewriteRule(n, s.rewrite, report);
    case "sslengine": return void (s.ssl.engine = on(n), s.ssl.node = n);
    case "sslcertificatefile": return void (a[0] && s.ssl.certs.push(a[0]));
    case "sslcertificatekeyfile": return void (a[0] && s.ssl.keys.push(a[0]));
    case "sslcertificatechainfile": return void (s.ssl.chain = a[0]);
    case "sslpassphrasedialog":
      if (/^exec:/i.test(a[0] ?? "")) {
        model.passphraseCommand = a[0]!.slice(5);
        return report.note(n, "passphraseCommand runs the program with no arguments (httpd passes servername:port and the key type)");
      }
      return report.skip(n, "httpd would prompt on the terminal; give the key's passphraseFile or passphraseCommand in routes.json");
    case "redirect": case "redirectpermanent": case "redirecttemp": case "redirectmatch": return parseRedirect(n, s, report);
    case "remoteiptrustedproxy": case "remoteipinternalproxy": return void model.trusted.push(n);
    case "remoteipheader":
      if (a[0]?.toLowerCase() !== "x-forwarded-for") report.skip(n, "routes.json reads a trusted proxy's client address from X-Forwarded-For only");
      return;
    case "customlog": case "transferlog":
      if (model.accessLog) return report.skip(n, `the access log is one for the whole proxy; kept ${model.accessLog.node.loc.file}:${model.accessLog.node.loc.line}`);
      return void (model.accessLog = { path: a[0] ?? "-", format: n.name === "transferlog" ? "common" : a[1] ?? "common", node: n });
  }
  if (proxySsl(n, s.proxySsl, report)) return;
  if (timeoutDirective(n, s, model, report)) return;
  if (SAME.has(n.name)) {
    if (n.name === "proxyrequests" && on(n)) report.skip(n, "the proxy is never a forward proxy");
    return;
  }
  if (OPEN_ACCESS.test(n.text)) return;
  if (/^(order|allow|deny|require)$/.test(n.name)) return report.skip(n, "access control is not converted: the route serves every client");
  report.skip(n, WHY[n.name] ?? "not supported by the importer");
}

/** SSLProxy* into a server's or a balancer's settings; false when `n` is none of them. */
function proxySsl(n: Node, t: ProxySsl, report: Report): boolean {
  switch (n.name) {
    case "sslproxyverify": t.proxyVerify = n; return true;
    case "sslproxycacertificatefile": t.proxyCa = n.args[0]; return true;
    case "sslproxymachinecertificatefile": t.proxyCert = n.args[0]; return true;
    case "sslproxycheckpeercn": case "sslproxycheckpeername":
      t.checkPeerNameOff = on(n) ? null : n; // null: on here, whatever the enclosing server says
      return true;
    case "sslproxycheckpeerexpire":
      if (!on(n)) report.skip(n, "routes.json never accepts an expired member certificate when it verifies");
      return true;
  }
  return false;
}

/**
 * mod_headers `Header` / `RequestHeader` and the seeds' mod_rewrite method block, parsed into
 * routes.json header rules and denied methods.
 */
import { PROXY_OWNED } from "../rewrite/header-rules.ts";
import type { Json } from "./emit.ts";
import type { Node, Report } from "./report.ts";

export interface HeaderRules { set: Record<string, string>; add: Record<string, string>; remove: string[]; edit: Json[] }
export const emptyRules = (): HeaderRules => ({ set: {}, add: {}, remove: [], edit: [] });

/** The insert-mode sticky cookie, from `Header add Set-Cookie "ROUTEID=.%{BALANCER_WORKER_ROUTE}e; path=/" env=BALANCER_ROUTE_CHANGED`. */
export interface StickyCookie { name: string; attrs: Json; node: Node }

const ACTIONS = new Set(["set", "append", "add", "unset", "edit", "edit*", "merge", "setifempty", "echo", "note"]);

/** mod_proxy writes these after mod_headers has run (appending the client's address and Host): so does the proxy. */
const APPENDED_BY_PROXY = new Set(["x-forwarded-for", "x-forwarded-host", "x-forwarded-server"]);

export function parseHeader(node: Node, rules: HeaderRules, report: Report, request: boolean): StickyCookie | undefined {
  const a = [...node.args];
  if (!request && a[0] === "always") report.note(node, "always: routes.json applies it to every proxied response, whatever its status, but not to the proxy's own answers (a ProxyPass ! 404, a 502 or 503)");
  if (!request && (a[0] === "always" || a[0] === "onsuccess")) a.shift();
  const action = a.shift()?.toLowerCase() ?? "";
  if (!ACTIONS.has(action)) return report.skip(node, `unknown action ${JSON.stringify(action)}`), undefined;
  const name = a.shift() ?? "";
  const takes = action === "unset" || action === "echo" ? 0 : action.startsWith("edit") ? 2 : 1;
  const values = a.splice(0, takes);
  const cond = a.shift();
  const sticky = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)=\.%\{BALANCER_WORKER_ROUTE\}e(.*)$/.exec(values[0] ?? "");
  if (!request && action === "add" && name.toLowerCase() === "set-cookie" && sticky && cond === "env=BALANCER_ROUTE_CHANGED") {
    return { name: sticky[1]!, attrs: cookieAttrs(sticky[2]!), node };
  }
  if (PROXY_OWNED.has(name.toLowerCase())) return report.skip(node, `${name} is written by the proxy itself on each connection (framing and hop-by-hop fields)`), undefined;
  if (request && APPENDED_BY_PROXY.has(name.toLowerCase())) {
    // httpd: the member gets this rule's value with the client's address after it; a routes.json rule would replace the proxy's own.
    if (action === "unset") return report.note(node, `the proxy writes ${name} itself, from the client's connection, and keeps a client's value only from trustedProxies: the same as httpd's unset then mod_proxy's own`), undefined;
    return report.skip(node, `mod_proxy appends its own ${name} after this rule; routes.json has the proxy write it (keeping a value only from trustedProxies), and a rule would replace that`), undefined;
  }
  if (request && action === "unset" && name.toLowerCase() === "host") return report.skip(node, "a request to a member always carries Host"), undefined;
  if (cond !== undefined) return report.skip(node, `the condition ${cond} is not converted (header rules apply to every response)`), undefined;
  if (values.some((v) => /%\{|%[a-zA-Z]/.test(v))) return report.skip(node, "mod_headers format specifiers (%{...}e, %t, %D) are not converted"), undefined;
  if (action === "unset") rules.remove.push(name);
  else if (action === "set") rules.set[name] = values[0]!;
  else if (action === "add") rules.add[name] = values[0]!;
  else if (action === "append" || action === "merge") {
    rules.add[name] = values[0]!;
    report.note(node, `${action} joins the value to an existing ${name} with a comma; carried over as a second ${name} field, which means the same (RFC 9110 5.3) except for Set-Cookie`);
  } else if (action.startsWith("edit") && !request) {
    const match = jsPattern(values[0]!);
    if (match === undefined) return report.skip(node, `${JSON.stringify(values[0])} is PCRE that a JavaScript RegExp does not read the same way (routes.json's edit.match is one); write it as one`), undefined;
    rules.edit.push(editRule(node, name, match, values[1]!, action === "edit*", report));
  } else report.skip(node, `${request ? "RequestHeader" : "Header"} ${action} has no routes.json equivalent`);
  return undefined;
}

/**
 * httpd's regex (PCRE) as a JavaScript RegExp source, or undefined when it cannot be. A leading
 * `(?i)` (caseless) is spelled out as `[aA]` per letter, since a RegExp source carries no flags;
 * with character classes or named groups that is not attempted.
 */
export function jsPattern(pcre: string): string | undefined {
  let src = pcre;
  if (src.startsWith("(?i)")) {
    src = src.slice(4);
    if (/\[|\(\?P?</.test(src)) return undefined;
    let out = "";
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (c === "\\") {
        // An escape is kept whole: \x4a, \u{1F600}, \p{L}, \cA, a back-reference's digits.
        const m = /^\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|[pP]\{[^}]*\}|c[A-Za-z]|\d+|[\s\S])/.exec(src.slice(i));
        out += m ? m[0] : c;
        i += (m ? m[0].length : 1) - 1;
      } else out += /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
    }
    src = out;
  }
  try {
    new RegExp(src);
    return src;
  } catch {
    return undefined;
  }
}

/** The seeds' trap: `^http` -> `https` also turns https:// into httpss://. */
function editRule(node: Node, name: string, match: string, replace: string, all: boolean, report: Report): Json {
  if (/^\^https?$/i.test(match) && /^https$/i.test(replace) && match.toLowerCase() === "^http") {
    report.note(node, `"^http" -> "https" also rewrites https:// to httpss://; converted to the safe form "^http://" -> "https://"`);
    return { name, match: "^http://", replace: "https://", ...(all ? { all } : {}) };
  }
  return { name, match, replace: replace.replace(/\$(\d)/g, "$$$1"), ...(all ? { all } : {}) };
}

function cookieAttrs(rest: string): Json {
  const out: Json = {};
  for (const part of rest.split(";").map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split("=", 2).map((s) => s.trim());
    const key = k!.toLowerCase();
    if (key === "path" && v) out.path = v;
    else if (key === "secure") out.secure = true;
    else if (key === "httponly") out.httpOnly = true;
    else if (key === "samesite" && v) out.sameSite = v[0]!.toUpperCase() + v.slice(1).toLowerCase();
  }
  return out;
}

export function hasRules(r: HeaderRules): boolean {
  return Object.keys(r.set).length + Object.keys(r.add).length + r.remove.length + r.edit.length > 0;
}

export function rulesJson(r: HeaderRules, response: boolean): Json {
  const out: Json = {};
  if (Object.keys(r.set).length) out.set = r.set;
  if (Object.keys(r.add).length) out.add = r.add;
  if (r.remove.length) out.remove = r.remove;
  if (response && r.edit.length) out.edit = r.edit;
  return out;
}

/** mod_rewrite state of one server: pending RewriteConds and what the rules came to. */
export interface Rewrite { on: boolean; conds: Node[]; deny: string[]; forbidAll?: Node }

/**
 * Only the seeds' form converts: `RewriteCond %{REQUEST_METHOD} ^(TRACE|OPTIONS)` then
 * `RewriteRule .* - [F]` (403 for those methods); the same rule without a condition forbids
 * every request, as httpd does, since mod_rewrite runs before ProxyPass.
 */
export function rewriteRule(node: Node, rw: Rewrite, report: Report): void {
  const conds = rw.conds.splice(0);
  const [pattern, subst, flags = ""] = node.args;
  const f = flags.replace(/^\[|\]$/g, "").split(",").map((s) => s.trim().toUpperCase());
  if (!rw.on) return report.skip(node, "RewriteEngine is not On here, so httpd ignores this rule");
  const all = pattern === ".*" || pattern === "^" || pattern === "^.*$" || pattern === "^/" || pattern === "^/.*$" || pattern === ".";
  if (!all || subst !== "-" || !(f.includes("F") || f.includes("FORBIDDEN"))) {
    for (const c of conds) report.skip(c, "belongs to a RewriteRule that is not converted");
    return report.skip(node, "only RewriteRule .* - [F] (forbid) converts; other rewrites are not carried over");
  }
  if (!conds.length) {
    rw.forbidAll = node;
    return report.note(node, "with no RewriteCond this forbids every request (httpd answers 403 to all of them); carried over as 403 on every route of this server. If a RewriteCond %{REQUEST_METHOD} was meant, add it and import again");
  }
  const methods: string[] = [];
  for (const c of conds) {
    const m = c.args[0] === "%{REQUEST_METHOD}" ? /^\^?\(?([A-Za-z|]+)\)?\$?$/.exec(c.args[1] ?? "") : null;
    const cflags = (c.args[2] ?? "").toUpperCase();
    if (!m || conds.length > 1 || cflags.includes("OR")) {
      report.skip(c, "only one RewriteCond %{REQUEST_METHOD} ^(A|B) converts");
      return report.skip(node, "its conditions are not converted, so the rule is not carried over");
    }
    methods.push(...m[1]!.split("|").map((s) => s.toUpperCase()));
  }
  rw.deny.push(...methods.filter((m) => !rw.deny.includes(m)));
}

/**
 * requestHeaders / responseHeaders rules, compiled once per route.
 *
 * Order is fixed: `remove`, then `set`, then `add`, then `edit` (each list in its own order).
 * Apache mod_headers runs directives in config order, but the keys of a JSON object are not
 * a sequence users think of, so we pick the order that can express every combination:
 * remove clears upstream values, set replaces, add appends, and edit (mod_headers
 * `Header edit`) sees the final values. On responses the caller runs reverse() first, as
 * Apache runs ProxyPassReverse before mod_headers.
 *
 * Values may use `{route}`, `{member}`, `{client_ip}`, `{host}`, `{scheme}`; see variables.ts.
 * @module
 */
import { compileTemplate, type RuleVars } from "./variables.ts";

export type { RuleVars } from "./variables.ts";

export interface HeaderEdit {
  name: string;
  match: string;
  replace: string;
  /** mod_headers `edit*`: replace every match, not just the first. */
  all?: boolean;
}

export interface HeaderRulesInit {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
  edit?: HeaderEdit[];
}

/** Mutates `headers`; throws HeaderValueError when a produced value holds CR, LF or NUL. */
export type HeaderRules = (headers: Headers, vars: RuleVars) => void;

/** A variable (client address, Host...) would have produced a value with CR, LF or NUL. */
export class HeaderValueError extends Error {
  override name = "HeaderValueError";
}

type Step = (headers: Headers, vars: RuleVars) => void;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 field-name = token
const FORBIDDEN = /[\r\n\0]/; // would split or truncate a header (response splitting)
const URL_VALUED = new Set(["location", "content-location", "uri", "content-base"]);

const field = (where: string, key: string, name: string): string => `${where}.${key}[${JSON.stringify(name)}]`;

/**
 * The message's framing and the hop-by-hop fields (RFC 9110 7.6.1, RFC 9112 6) belong to each
 * connection, and the proxy writes them itself: a rule that changed Content-Length towards a
 * pooled member connection would leave body bytes there to be read as the next client's request.
 * Apache's mod_proxy strips them too; refusing them at load says so instead of silently ignoring.
 */
export const PROXY_OWNED: ReadonlySet<string> = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"]);

function checkName(name: string, at: string): void {
  if (!TOKEN.test(name)) throw new Error(`${at}: ${JSON.stringify(name)} is not a valid header name`);
  if (PROXY_OWNED.has(name.toLowerCase())) {
    throw new Error(`${at}: ${name} is the proxy's own (message framing and hop-by-hop fields are written per connection); remove this rule`);
  }
}

function value(src: string, at: string): (vars: RuleVars) => string {
  if (FORBIDDEN.test(src)) throw new Error(`${at}: the value contains CR, LF or NUL`);
  const t = compileTemplate(src, at);
  if (t.constant !== undefined) {
    const c = t.constant;
    return () => c;
  }
  return (vars) => checked(t.render(vars), at);
}

function checked(produced: string, at: string): string {
  if (FORBIDDEN.test(produced)) {
    throw new HeaderValueError(`${at}: the produced value contains CR, LF or NUL; not sent`);
  }
  return produced;
}

/** The edit as a pure string function; also used by lintHeaderRules to try sample values. */
function compileEdit(e: HeaderEdit, at: string): (value: string, vars: RuleVars) => string {
  let re: RegExp;
  let groupCount: number;
  try {
    re = new RegExp(e.match, e.all === true ? "g" : "");
    groupCount = new RegExp(`${e.match}|`).exec("")!.length - 1; // "|" makes it match ""
  } catch (err) {
    throw new Error(`${at}.match: invalid regular expression: ${(err as Error).message}`);
  }
  if (FORBIDDEN.test(e.replace)) throw new Error(`${at}.replace: the value contains CR, LF or NUL`);
  const t = compileTemplate(e.replace, `${at}.replace`, groupCount);
  return (input, vars) => {
    // A replacer function, not a replacement string: `$` inside a variable's value stays literal.
    const out = input.replace(re, (...args: unknown[]) => t.render(vars, args.slice(0, groupCount + 1) as (string | undefined)[]));
    return t.usesVars ? checked(out, `${at}.replace`) : out;
  };
}

/** side "request": rules on what goes to the member, which must keep a Host (RFC 9112 3.2). */
export function compileHeaderRules(init: HeaderRulesInit, where: string, side: "request" | "response" = "response"): HeaderRules {
  const steps: Step[] = [];
  for (const [i, name] of (init.remove ?? []).entries()) {
    checkName(name, `${where}.remove[${i}]`);
    if (side === "request" && name.toLowerCase() === "host") {
      throw new Error(`${where}.remove[${i}]: an HTTP/1.1 request must carry Host (RFC 9112 3.2); to send another one use set, or preserveHost`);
    }
    steps.push((h) => h.delete(name));
  }
  for (const [key, op] of [["set", "set"], ["add", "append"]] as const) {
    for (const [name, src] of Object.entries(init[key] ?? {})) {
      const at = field(where, key, name);
      checkName(name, at);
      const render = value(src, at);
      steps.push((h, vars) => h[op](name, render(vars)));
    }
  }
  for (const [i, e] of (init.edit ?? []).entries()) {
    const at = `${where}.edit[${i}]`;
    checkName(e.name, `${at}.name`);
    const edit = compileEdit(e, at);
    const name = e.name;
    if (name.toLowerCase() === "set-cookie") {
      // Every instance, as mod_headers does; Set-Cookie is the one header Fetch keeps apart.
      steps.push((h, vars) => {
        const cookies = h.getSetCookie();
        if (cookies.length === 0) return;
        const next = cookies.map((c) => edit(c, vars));
        h.delete(name);
        for (const c of next) h.append(name, c);
      });
    } else {
      // Fetch Headers joins repeated fields with ", ", so other headers are edited as one value.
      steps.push((h, vars) => {
        const v = h.get(name);
        if (v === null) return;
        const next = edit(v, vars);
        if (next !== v) h.set(name, next);
      });
    }
  }
  if (steps.length === 0) return function noHeaderRules() {};
  return function headerRules(headers, vars) {
    for (const step of steps) step(headers, vars);
  };
}

const SAMPLE_VARS: RuleVars = { route: "r", member: "http://10.0.0.1:80", client_ip: "192.0.2.1", host: "example.com", scheme: "https" };
const SAMPLES = ["https://example.com/a?b=1", "http://example.com/a?b=1"];
const WELL_FORMED = /^https?:\/\/[^/?#:]/i;

/**
 * Warnings for rules that compile but are almost certainly wrong. Chiefly the common Apache trap
 * `Header edit Location ^http https`, which turns `https://x` into `httpss://x`: we run each
 * edit of a URL-valued header on an http and an https sample and flag broken results.
 */
export function lintHeaderRules(init: HeaderRulesInit, where: string): string[] {
  const warnings: string[] = [];
  for (const [i, e] of (init.edit ?? []).entries()) {
    if (!URL_VALUED.has(e.name.toLowerCase())) continue;
    const at = `${where}.edit[${i}]`;
    let edit: (value: string, vars: RuleVars) => string;
    try {
      edit = compileEdit(e, at);
    } catch {
      continue; // compileHeaderRules reports it as an error
    }
    for (const sample of SAMPLES) {
      const got = edit(sample, SAMPLE_VARS);
      if (got === sample || WELL_FORMED.test(got)) continue;
      warnings.push(
        `${at}: match ${JSON.stringify(e.match)} replace ${JSON.stringify(e.replace)} turns ${sample} into ${got}; ` +
          `to force https use match "^http://(.*)$" replace "https://$1"`,
      );
      break;
    }
  }
  const set = new Set(Object.keys(init.set ?? {}).map((n) => n.toLowerCase()));
  for (const [i, name] of (init.remove ?? []).entries()) {
    if (set.has(name.toLowerCase())) {
      warnings.push(`${where}.remove[${i}]: ${name} is also in set, which already replaces it`);
    }
  }
  return warnings;
}

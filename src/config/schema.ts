/**
 * The valibot schema of routes.json: the one source of the config's shape (the user
 * reference is docs/configuration.md; `proxy schema` prints this as JSON Schema). Objects are
 * strict so a typo is an error, never silently ignored. Units are turned into numbers here, so nothing later re-parses text.
 */
import * as v from "valibot";
import { parseDuration, parseSize } from "./units.ts";
import { matchPath } from "../proxy/normalize.ts";
import { authSchema } from "./auth-schema.ts";
import { parseHostPort } from "../net/host-port.ts";

const MAX_DURATION_MS = 24 * 3_600_000;

const duration = v.pipe(
  v.string('expected a duration string such as "5s"'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseDuration(dataset.value);
    if (ms === undefined) {
      addIssue({ message: `${JSON.stringify(dataset.value)} is not a duration: use a number with ms, s, m or h, e.g. "250ms", "5s"` });
      return NEVER;
    }
    // Timers overflow past 2^31 ms (about 24 days) and then fire at once; a day is plenty.
    if (ms > MAX_DURATION_MS) {
      addIssue({ message: `${JSON.stringify(dataset.value)} is too long: at most "24h"` });
      return NEVER;
    }
    return ms;
  }),
);

/** A timeout or an interval: 0 would fire at once (or, for a probe interval, never pause). */
const positiveDuration = v.pipe(
  duration,
  v.check((ms) => ms > 0, "must be more than 0, e.g. \"5s\""),
);

const size = v.pipe(
  v.union([v.string(), v.number()], 'expected a size such as "100MB"'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const bytes = typeof dataset.value === "number" ? dataset.value : parseSize(dataset.value);
    if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
      addIssue({ message: `${JSON.stringify(dataset.value)} is not a size: use bytes or a number with KB, MB or GB, e.g. "100MB"` });
      return NEVER;
    }
    return Math.floor(bytes); // whole bytes, as "1.9KB" rounds down
  }),
);

const httpUrl = v.pipe(
  v.string("expected an http or https URL"),
  v.check((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && !u.search && !u.hash && !u.username;
    } catch {
      return false;
    }
  }, (issue) => `${JSON.stringify(issue.input)} is not an http(s) URL of the form http(s)://host:port[/basepath]`),
);

const port = v.pipe(v.number("expected a port number"), v.integer("expected a whole port number"), v.minValue(0, "a port is 0..65535"), v.maxValue(65535, "a port is 0..65535"));
const status = (lo: number, hi: number) => v.pipe(v.number("expected an HTTP status"), v.integer("expected a whole HTTP status"), v.minValue(lo, `expected a status from ${lo} to ${hi}`), v.maxValue(hi, `expected a status from ${lo} to ${hi}`));
const count = (lo: number, hi: number) => v.pipe(v.number(), v.integer(), v.minValue(lo, `expected ${lo}..${hi}`), v.maxValue(hi, `expected ${lo}..${hi}`));
const pathPrefix = v.pipe(v.string(), v.startsWith("/", 'a path starts with "/"'));
/** What a probe writes on its request line and Host line as they are: no space, control or non-ASCII byte to split a line. */
const printable = (what: string) => v.regex(/^[\x21-\x7e]+$/, `${what} of printable ASCII without spaces (percent-encode the rest)`);
/** Request paths are matched in canonical form, so a route path in any other form could never match. */
const routePath = v.pipe(
  pathPrefix,
  v.check((p) => !p.includes("?") && matchPath(p) === p, (issue) => {
    const canon = typeof issue.input === "string" ? matchPath(issue.input.split("?")[0]!) : undefined;
    return `${JSON.stringify(issue.input)} can never match a request (paths are matched decoded and normalized)${canon ? `; write ${JSON.stringify(canon)}` : ""}`;
  }),
);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 5.5: no CR, LF or NUL (a split header), and Latin-1 only (what a header can carry).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerMap = v.record(
  v.pipe(v.string(), v.regex(TOKEN, "a header name is an RFC 9110 token (letters, digits, - and a few symbols)")),
  v.pipe(v.string("a header value is a string"), v.regex(FIELD_VALUE, "a header value cannot hold CR, LF, NUL or characters beyond Latin-1")),
);
const redirectTarget = v.pipe(
  v.string(),
  v.regex(/^[\x21-\x7e]+$/, "a redirect target is printable ASCII without spaces; percent-encode anything else"),
  v.check((t) => t.startsWith("/") || /^https?:\/\/[^/]/i.test(t), "a redirect target is an absolute http(s) URL or a path starting with /"),
);

const certificate = v.strictObject({
  cert: v.string(),
  key: v.string(),
  chain: v.optional(v.string()),
  serverNames: v.optional(v.array(v.string())),
  passphrase: v.optional(v.string()),
  passphraseFile: v.optional(v.string()),
  passphraseCommand: v.optional(v.string()),
});

const listener = v.strictObject({
  port,
  host: v.optional(v.string(), "0.0.0.0"),
  tls: v.optional(v.strictObject({
    certificates: v.union([v.literal("internal"), v.pipe(v.array(certificate), v.minLength(1, "give at least one certificate, or \"internal\""))], 'expected a list of certificates or "internal"'),
    minVersion: v.optional(v.picklist(["TLSv1.2", "TLSv1.3"], 'expected "TLSv1.2" or "TLSv1.3"')),
  })),
  redirectHttps: v.optional(v.strictObject({ port: v.optional(port, 443), status: v.optional(v.picklist([301, 302, 307, 308], "expected 301, 302, 307 or 308"), 301) })),
});

const timeouts = v.strictObject({ connect: v.optional(positiveDuration), response: v.optional(positiveDuration), idle: v.optional(positiveDuration) });

const member = v.strictObject({
  url: httpUrl,
  weight: v.optional(count(1, 100), 1),
  route: v.optional(v.pipe(v.string(), v.regex(/^[^\s.;,]+$/, "a route has no spaces, dots, commas or semicolons"))),
  standby: v.optional(v.boolean(), false),
  state: v.optional(v.picklist(["active", "drain", "disabled"], 'expected "active", "drain" or "disabled"'), "active"),
});

const pool = v.strictObject({
  members: v.pipe(v.array(member), v.minLength(1, "a pool needs at least one member")),
  method: v.optional(v.picklist(["byrequests", "bytraffic", "bybusyness", "iphash"], "expected one of byrequests, bytraffic, bybusyness, iphash"), "byrequests"),
  sticky: v.optional(v.strictObject({
    cookie: v.pipe(v.string(), v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, "a cookie name is an RFC 6265 token")),
    mode: v.picklist(["insert", "route-suffix"], 'expected "insert" or "route-suffix"'),
    failover: v.optional(v.boolean(), true),
    /** route-suffix: learn a member's route from its first `Set-Cookie: <cookie>=<id>.<route>` (Tomcat jvmRoute). */
    learn: v.optional(v.boolean(), true),
    path: v.optional(v.pipe(v.string(), v.regex(/^\/[\x21-\x2b\x2d-\x3a\x3c-\x7e]*$/, "a cookie path starts with / and has no spaces, commas or semicolons"))),
    secure: v.optional(v.boolean()),
    httpOnly: v.optional(v.boolean()),
    sameSite: v.optional(v.picklist(["Strict", "Lax", "None"])),
    maxAge: v.optional(positiveDuration),
  })),
  health: v.optional(v.strictObject({
    passive: v.optional(v.strictObject({
      maxFails: v.optional(count(1, 1000), 1),
      window: v.optional(positiveDuration, "10s"),
      ejectFor: v.optional(duration, "30s"),
      failOnStatus: v.optional(v.array(status(100, 599)), []),
    })),
    active: v.optional(v.strictObject({
      path: v.optional(v.pipe(pathPrefix, printable("a request target"), v.maxLength(8192, "at most 8192 characters")), "/"),
      method: v.optional(v.picklist(["GET", "HEAD", "OPTIONS"]), "GET"),
      interval: v.optional(positiveDuration, "5s"),
      timeout: v.optional(positiveDuration, "2s"),
      expectStatus: v.optional(v.pipe(v.string(), v.regex(/^\d{3}(-\d{3})?$/, 'expected a status or a range such as "200-399"')), "200-399"),
      expectBody: v.optional(v.pipe(v.string(), v.check(isRegex, "not a valid regular expression"))),
      rise: v.optional(count(1, 100), 2),
      fall: v.optional(count(1, 100), 3),
      host: v.optional(v.pipe(v.string(), printable("a Host value"), v.maxLength(1024, "at most 1024 characters"))),
    })),
  })),
  tls: v.optional(v.strictObject({ verify: v.optional(v.boolean(), true), ca: v.optional(v.string()), serverName: v.optional(v.string()) })),
  timeouts: v.optional(timeouts),
  retries: v.optional(count(0, 100), 1),
});

const headerRules = {
  set: v.optional(headerMap),
  add: v.optional(headerMap),
  remove: v.optional(v.array(v.string())),
};
const editRule = v.strictObject({
  name: v.string(),
  match: v.pipe(v.string(), v.check(isRegex, "not a valid regular expression")),
  replace: v.string(),
  all: v.optional(v.boolean(), false),
});

const route = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.minLength(1, "a route name is not empty"))),
  host: v.optional(v.pipe(v.string(), v.regex(/^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/, 'expected a host name or a "*.example.com" wildcard, without port'))),
  path: v.optional(routePath, "/"),
  pool: v.optional(v.string()),
  respond: v.optional(v.pipe(
    v.strictObject({ status: status(200, 599), body: v.optional(v.string()), headers: v.optional(headerMap) }),
    // RFC 9110 15.3.5 / 15.4.5: these statuses have no content, so a body would be silently dropped.
    v.check((r) => !((r.status === 204 || r.status === 304) && r.body), "a 204 or 304 answer has no body; remove body or use another status"),
  )),
  redirect: v.optional(v.pipe(
    v.strictObject({
      to: redirectTarget,
      status: v.optional(v.picklist([301, 302, 303, 307, 308], "expected 301, 302, 303, 307 or 308"), 302),
      /** Apache `Redirect /old https://new/`, NGINX `return 301 https://host$request_uri`: the rest of the path and the query follow. */
      keepPath: v.optional(v.boolean(), false),
    }),
    v.check((r) => !r.keepPath || !/[?#]/.test(r.to), "a redirect with keepPath appends the path and query to `to`, which then has no ? or #"),
  )),
  rewritePrefix: v.optional(pathPrefix),
  preserveHost: v.optional(v.boolean(), true),
  reverse: v.optional(v.boolean(), true),
  reverseAlso: v.optional(v.array(httpUrl), []),
  requestHeaders: v.optional(v.strictObject(headerRules)),
  responseHeaders: v.optional(v.strictObject({ ...headerRules, edit: v.optional(v.array(editRule)) })),
  denyMethods: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Z]+$/, "a method is upper-case letters, e.g. \"TRACE\""))), []),
  maxBodySize: v.optional(size),
  timeouts: v.optional(timeouts),
  /** Apache's AllowEncodedSlashes NoDecode: %2F and %5C pass as received instead of a 404. */
  allowEncodedSlashes: v.optional(v.boolean(), false),
  auth: v.optional(authSchema(duration)),
  /** Apache `<VirtualHost *:8443>`, NGINX `listen 8443`: only the listeners with these ports serve the route. */
  ports: v.optional(v.pipe(
    v.array(v.pipe(port, v.minValue(1, "a route's port is a listener's port, 1..65535"))),
    v.minLength(1, "give at least one port, or leave ports out for every listener"),
    v.check((ps) => new Set(ps).size === ps.length, "a port is listed twice"),
  )),
});

export const configSchema = v.strictObject({
  // Editors (VS Code, JetBrains) read this to find the JSON Schema; the proxy ignores it.
  $schema: v.optional(v.string()),
  listeners: v.pipe(v.array(listener), v.minLength(1, "give at least one listener")),
  pools: v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]+$/, "a pool name is letters, digits, _ . -")), pool),
  routes: v.pipe(v.array(route), v.minLength(1, "give at least one route")),
  accessLog: v.optional(v.strictObject({
    format: v.optional(v.picklist(["combined", "json"], 'expected "combined" or "json"'), "combined"),
    path: v.optional(v.string(), "-"),
  })),
  trustedProxies: v.optional(v.array(v.string()), []),
  dataDir: v.optional(v.string(), "./proxy-data"),
  admin: v.optional(v.strictObject({
    listen: v.optional(v.pipe(v.string(), v.check((s) => parseHostPort(s) !== undefined, 'expected host:port, e.g. "127.0.0.1:9090" or "[::1]:9090"')), "127.0.0.1:9090"),
    auth: v.optional(v.strictObject({
      secretFile: v.optional(v.string()),
      jwksFile: v.optional(v.string()),
      jwksUrl: v.optional(httpUrl),
      issuer: v.optional(v.string()),
      audience: v.optional(v.string()),
    })),
    metrics: v.optional(v.strictObject({
      buckets: v.optional(v.pipe(
        v.array(v.pipe(v.number(), v.minValue(0, "a bucket bound is a positive number of seconds"))),
        v.minLength(1, "give at least one bucket bound"),
        v.check((b) => b.every((x, i) => i === 0 || x > b[i - 1]!), "bucket bounds must increase"),
      )),
    })),
  })),
  shutdownTimeout: v.optional(duration),
  eventLog: v.optional(v.strictObject({
    format: v.optional(v.picklist(["text", "json"], 'expected "text" or "json"'), "text"),
    level: v.optional(v.picklist(["debug", "info", "warn", "error"], 'expected "debug", "info", "warn" or "error"'), "info"),
  })),
  websocket: v.optional(v.strictObject({ idleTimeout: v.optional(positiveDuration), maxMessageSize: v.optional(size) })),
  /** NGINX client_header_timeout, client_body_timeout, keepalive_timeout. */
  clientTimeouts: v.optional(v.strictObject({ header: v.optional(positiveDuration), body: v.optional(positiveDuration), keepAlive: v.optional(positiveDuration) })),
});

function isRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

export type Config = v.InferOutput<typeof configSchema>;
export type PoolConfig = Config["pools"][string];
export type RouteConfig = Config["routes"][number];
export type ListenerConfig = Config["listeners"][number];
export type MemberConfig = PoolConfig["members"][number];

/**
 * The valibot schema of routes.json: the one source of the config's shape (the user
 * reference is docs/configuration.md; `proxy schema` prints this as JSON Schema). Objects are
 * strict so a typo is an error, never silently ignored. The values in it (units, URLs, ports,
 * paths) are schema-values.ts's, which turn units into numbers, so nothing later re-parses text.
 */
import * as v from "valibot";
import { authSchema } from "./auth-schema.ts";
import { parseHostPort } from "../net/host-port.ts";
import { count, duration, headerMap, httpUrl, isRegex, pathPrefix, port, positiveDuration, printable, redirectTarget, routePath, size, status } from "./schema-values.ts";

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
  tls: v.optional(v.strictObject({
    verify: v.optional(v.boolean(), true), ca: v.optional(v.string()), serverName: v.optional(v.string()),
    cert: v.optional(v.string()), key: v.optional(v.string()), passphrase: v.optional(v.string()), passphraseFile: v.optional(v.string()),
  })),
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
  // It goes into every log line about the route: a line break in it would forge a line.
  name: v.optional(v.pipe(v.string(), v.minLength(1, "a route name is not empty"), v.regex(/^[^\x00-\x1f\x7f]*$/, "a route name has no control characters (line breaks, tabs)"))),
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


export type Config = v.InferOutput<typeof configSchema>;
export type PoolConfig = Config["pools"][string];
export type RouteConfig = Config["routes"][number];
export type ListenerConfig = Config["listeners"][number];
export type MemberConfig = PoolConfig["members"][number];

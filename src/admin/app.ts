/**
 * The admin listener's Hono app: status page, JSON API, /metrics, health endpoints. Secure by
 * default: with admin.auth every endpoint but /healthz and /readyz needs a token (bearer or
 * the page's cookie); without it (loopback only) reads are served and writes refused.
 */
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import * as v from "valibot";
import type { Runtime } from "../config/runtime.ts";
import { isLoopback } from "../net/host-port.ts";
import type { Principal, Verify } from "./auth.ts";
import { renderMetrics, type MetricsInfo } from "./prometheus.ts";
import { findMember, memberView, poolView, poolsView, statusView, type StatusInfo } from "./views.ts";
import { loginPage, statusPage } from "./page.ts";
import { bodyTooLarge } from "./body-limit.ts";

export const SESSION_COOKIE = "edge_proxy_admin";

export type ReloadResult = { generation: number } | { errors: string[] };

export interface AdminDeps {
  /** The runtime now serving (it changes on reload). */
  runtime: () => Runtime;
  /** The token check of the running config (undefined: no admin.auth, read-only); a reload may change it. */
  verify: () => Verify | undefined;
  info: () => StatusInfo & MetricsInfo;
  ready: () => boolean;
  reload?: (() => Promise<ReloadResult>) | undefined;
}

/** Each endpoint's methods (GET ones answer HEAD too), for the 405's Allow. */
const ENDPOINTS: [RegExp, string][] = [
  [/^\/(?:healthz|readyz|metrics|api\/v1\/status|api\/v1\/pools)?$/, "GET, HEAD"],
  [/^\/api\/v1\/pools\/[^/]+$/, "GET, HEAD"],
  [/^\/api\/v1\/pools\/[^/]+\/members\/[^/]+$/, "PATCH"],
  [/^\/api\/v1\/pools\/[^/]+\/members\/[^/]+\/override$/, "DELETE"],
  [/^\/(?:login|logout|api\/v1\/reload)$/, "POST"],
];

/** Answered without a token: health for load balancers, and the page's login and logout. */
const PUBLIC = /^\/(?:healthz|readyz|login|logout)$/;

/** RFC 9110 15.5.6: a known path asked with another method is 405 with the methods it takes. */
const notAllowed = (c: Context, allow: string) => c.json({ error: `${c.req.method} is not served at ${c.req.path}; use ${allow}` }, 405, { Allow: allow });

const allowed = (path: string): string | undefined => ENDPOINTS.find(([re]) => re.test(path))?.[1];

/** A Host header naming a loopback address (net/host-port.ts isLoopback), with or without a port. */
function loopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return isLoopback(name.toLowerCase());
}

type Env = { Variables: { who: Principal; session: boolean } };

const NO_AUTH_WRITE = "writes need admin.auth: add \"auth\": { \"secretFile\": \"admin.secret\" } to admin in routes.json (a file of at least 32 random bytes), then mint a token with: proxy token --secret-file admin.secret --scope write";

const memberChange = v.pipe(
  v.strictObject({
    state: v.optional(v.picklist(["active", "drain", "disabled"], 'expected "active", "drain" or "disabled"')),
    weight: v.optional(v.pipe(v.number("expected a number"), v.integer("expected a whole number"), v.minValue(1, "a weight is 1..100"), v.maxValue(100, "a weight is 1..100"))),
  }),
  v.check((b) => b.state !== undefined || b.weight !== undefined, "give state or weight"),
);

export function createAdminApp(deps: AdminDeps): Hono<Env> {
  const app = new Hono<Env>();
  // A write is a method an endpoint takes to change something: any other request (POST
  // /api/v1/status, DELETE /metrics, an unknown path) is not asked for write scope but answered
  // 405 or 404, as the contract says, whatever the token may do.
  const isWrite = (c: Context) => c.req.method !== "GET" && c.req.method !== "HEAD" && allowed(c.req.path)?.split(", ").includes(c.req.method) === true;

  app.use("*", async (c, next) => bodyTooLarge(c.req.raw) ?? next());
  // The page's buttons act with the session cookie: no other site may frame it (clickjacking).
  app.use("*", async (c, next) => {
    await next();
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", "frame-ancestors 'none'");
  });

  // The endpoints that need no token answer a method they do not take with 405 before any token
  // is asked for: a load balancer probing POST /healthz learns the method, not "log in".
  app.use("*", async (c, next) => {
    if (!PUBLIC.test(c.req.path)) return next();
    const allow = allowed(c.req.path)!;
    if (allow.split(", ").includes(c.req.method) || (c.req.method === "HEAD" && allow.startsWith("GET"))) return next();
    return notAllowed(c, allow);
  });
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", (c) => (deps.ready() ? c.text("ready") : c.text("not ready", 503)));

  app.post("/login", async (c) => {
    const verify = deps.verify();
    if (!verify) return c.redirect("/", 303);
    // Login CSRF: another site's form must not log the browser in with a token of its choosing.
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) return c.html(loginPage("log in from this page, not from another site"), 403);
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch {
      return c.html(loginPage("the form could not be read: send it as the login page does"), 400);
    }
    const token = typeof form.token === "string" ? form.token.trim() : "";
    const who = token ? await verify(token) : undefined;
    if (!who) return c.html(loginPage("that token is not valid (expired, wrong key, or no read/write scope)"), 401);
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: "Strict", path: "/" });
    return c.redirect("/", 303);
  });

  // The browser forgets the session; the token itself stays valid until its exp (it is a JWT).
  app.post("/logout", (c) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) return c.json({ error: "log out from the status page, not from another site" }, 403);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/", 303);
  });

  // Who is asking: a bearer token, else the page's session cookie.
  app.use("*", async function authenticate(c, next) {
    const verify = deps.verify();
    if (!verify) {
      // Open mode is for loopback only; a page on another site could still reach it through a
      // name it points at 127.0.0.1 (DNS rebinding), so the Host must be a loopback one (as Caddy's admin checks).
      if (!loopbackHost(c.req.header("host"))) return c.json({ error: "without admin.auth the admin answers only Host: localhost or a loopback address" }, 403);
      if (isWrite(c)) return c.json({ error: NO_AUTH_WRITE }, 403);
      c.set("who", { sub: "anonymous", scope: "read" });
      c.set("session", false);
      return next();
    }
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const cookie = bearer ? undefined : getCookie(c, SESSION_COOKIE);
    const who = bearer ? await verify(bearer) : cookie ? await verify(cookie) : undefined;
    if (!who) {
      if (c.req.method === "GET" && c.req.path === "/") return c.html(loginPage());
      // RFC 6750 3.1: a token that was sent and refused is invalid_token; none sent gets no error code.
      if (bearer) {
        c.header("WWW-Authenticate", 'Bearer realm="edge-proxy admin", error="invalid_token"');
        return c.json({ error: "that token is not valid (expired, wrong key, issuer or audience, no exp, or no read/write scope)" }, 401);
      }
      c.header("WWW-Authenticate", 'Bearer realm="edge-proxy admin"');
      return c.json({ error: "a token is required: Authorization: Bearer <token> (make one with proxy token)" }, 401);
    }
    if (isWrite(c) && who.scope !== "write") return c.json({ error: `token of ${who.sub} has scope read; this needs scope write` }, 403);
    // CSRF: a browser sends the cookie on cross-site requests too; its Origin says where from.
    if (cookie && isWrite(c) && c.req.header("origin") !== new URL(c.req.url).origin) {
      return c.json({ error: "cookie session write without a matching Origin header refused (CSRF)" }, 403);
    }
    c.set("who", who);
    c.set("session", cookie !== undefined);
    return next();
  });

  app.get("/", (c) => c.html(statusPage(c.get("session"), Object.values(poolsView(deps.runtime())))));
  app.get("/api/v1/status", (c) => c.json(statusView(deps.runtime(), deps.info())));
  app.get("/api/v1/pools", (c) => c.json(poolsView(deps.runtime())));
  app.get("/api/v1/pools/:pool", (c) => {
    const rt = deps.runtime();
    const p = rt.pools.get(c.req.param("pool"));
    return p ? c.json(poolView(rt, p)) : c.json({ error: `no pool named ${JSON.stringify(c.req.param("pool"))}` }, 404);
  });

  const target = (c: Context) => {
    const rt = deps.runtime();
    const p = rt.pools.get(c.req.param("pool")!);
    if (!p) return { error: `no pool named ${JSON.stringify(c.req.param("pool"))}` } as const;
    const m = findMember(p, c.req.param("member")!);
    if (!m) return { error: `pool ${p.name} has no member with route ${JSON.stringify(c.req.param("member"))}` } as const;
    return { rt, p, m };
  };

  // The body is read as JSON whatever its Content-Type: `curl -d` sends a form type, and a
  // cross-site PATCH is never a "simple" request (a cookie write also needs a same Origin).
  app.patch("/api/v1/pools/:pool/members/:member", async (c) => {
    const invalid = (issues: { path: string; message: string }[]) =>
      c.json({ error: "invalid body: " + issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "), issues }, 400);
    const text = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return invalid([{ path: "", message: `${text.trim() === "" ? "empty" : "not JSON"}; send a JSON object such as {"state":"drain"}` }]);
    }
    // valibot's object takes an array (its indexes as fields): say what the body should be.
    if (Array.isArray(body)) return invalid([{ path: "", message: 'expected a JSON object such as {"state":"drain"}, not an array' }]);
    const change = v.safeParse(memberChange, body);
    if (!change.success) {
      return invalid(change.issues.map((i) => {
        const path = (i.path ?? []).map((k) => String(k.key)).join(".");
        return { path, message: i.type === "strict_object" && i.expected === "never" ? `unknown field ${JSON.stringify(path)}: a member takes state and weight` : i.message };
      }));
    }
    const t = target(c);
    if ("error" in t) return c.json({ error: t.error }, 404);
    t.rt.registry.change(t.p.name, t.m, change.output, c.get("who").sub);
    return c.json(memberView(t.rt, t.p.name, t.m));
  });

  app.delete("/api/v1/pools/:pool/members/:member/override", (c) => {
    const t = target(c);
    if ("error" in t) return c.json({ error: t.error }, 404);
    t.rt.registry.reset(t.p.name, t.m, c.get("who").sub);
    return c.json(memberView(t.rt, t.p.name, t.m));
  });

  app.post("/api/v1/reload", async (c) => {
    if (!deps.reload) return c.json({ error: "reload is not available in this build; restart the proxy to load routes.json" }, 501);
    const r = await deps.reload();
    return "errors" in r ? c.json(r, 422) : c.json(r);
  });

  app.get("/metrics", (c) => c.body(renderMetrics(deps.runtime(), deps.info()), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  app.notFound((c) => {
    const allow = allowed(c.req.path);
    if (allow) return notAllowed(c, allow);
    return c.json({ error: `no admin endpoint ${c.req.method} ${c.req.path}` }, 404);
  });
  // Hono's own refusals (a malformed JSON body: 400) keep their status; anything else is ours.
  app.onError((e, c) => e instanceof HTTPException && e.status < 500
    ? c.json({ error: `admin: ${e.message}` }, e.status)
    : c.json({ error: `admin: ${e.message}` }, 500));
  return app;
}

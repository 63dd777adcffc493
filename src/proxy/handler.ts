/**
 * The request path, one short spine:
 *   validate Host -> match route -> (deny / local answer) -> pick member + forward -> rewrite response.
 * Each step is its own module; this file only sequences them and writes the access log.
 */
import type { Server } from "bun";
import type { Runtime, RuntimePool } from "../config/runtime.ts";
import type { AccessLog } from "../log/access.ts";
import type { EventLog } from "../log/events.ts";
import type { Member } from "../balancer/member.ts";
import { plainIp } from "./headers.ts";
import { hostName } from "./host.ts";
import { hasEncodedSlash, matchPath, normalizePath, splitTarget } from "./normalize.ts";
import { ENCODED_SLASH_404, errorResponse } from "./errors.ts";
import type { Exchange, PickInput } from "./exchange.ts";
import { forward, type ForwardDeps } from "./forward.ts";
import { ClientGone, clientHeaders, observeBody } from "./respond.ts";
import { limitBody } from "./body-limit.ts";
import { bufferedBody } from "../upstream/make-response.ts";
import type { Deadlines } from "./deadlines.ts";
import { ANSWERED_PLAIN, forwardWebSocket, isWebSocketUpgrade, type WebSocketDeps } from "./websocket.ts";
import type { WsData } from "../ws/pump.ts";
import { applyAuthHeaders, authorize, unauthorizedResponse } from "../auth/authorize.ts";
import { recordExchange } from "../metrics/record.ts";

export interface ListenerInfo { port: number; scheme: "http" | "https" }
export interface HandlerDeps {
  deadlines: Deadlines;
  events: EventLog;
  access: AccessLog;
  choose?: ForwardDeps["choose"];
  outcome?: ForwardDeps["outcome"];
  /** The client's address; the default asks the server (a tunnelled front knows better). */
  clientIp?: (req: Request, server: Server<WsData>) => string;
  /** Runs after the response head is known, e.g. to set a sticky cookie. */
  onResponse?: (pool: RuntimePool, x: Exchange, member: Member, headers: Headers) => void;
  /** The same sticky cookie as a value, for the socket front's fast lane (which has no Headers). */
  stickyCookie?: (pool: RuntimePool, x: PickInput, member: Member) => string | undefined;
}

function announcesBody(req: Request): boolean {
  const cl = req.headers.get("content-length");
  return (cl !== null && cl !== "0") || req.headers.has("transfer-encoding");
}

const socketIp = (req: Request, server: Server<WsData>) => plainIp(server.requestIP(req)?.address ?? "-");
const defaultChoose: ForwardDeps["choose"] = (pool, x, tried) => pool.pool.pick({ clientIp: x.clientIp }, tried);

export function createProxyHandler(rt: Runtime, listener: ListenerInfo, deps: HandlerDeps) {
  const fwd: ForwardDeps = { deadlines: deps.deadlines, events: deps.events, isTrustedProxy: rt.isTrustedProxy, choose: deps.choose ?? defaultChoose, outcome: deps.outcome ?? (() => {}) };

  const clientIp = deps.clientIp ?? socketIp;
  const log = (x: Exchange, status: number, bytes: number) => {
    const durationMs = performance.now() - x.started;
    // Request bytes as declared: counting a streamed body would cost a transform per request.
    recordExchange(x.route, x.chosen, status, Number(x.req.headers.get("content-length")) || 0, bytes, durationMs);
    deps.access({
      clientIp: x.clientIp, method: x.method, target: x.rawTarget, protocol: "HTTP/1.1", status, bytes,
      referer: x.req.headers.get("referer"), userAgent: x.req.headers.get("user-agent"), host: x.hostHeader,
      route: x.route.label, pool: x.pool, member: x.member, durationMs,
    });
  };
  const local = (x: Exchange, res: Response, bytes = 0) => {
    log(x, res.status, bytes);
    return res;
  };
  /** Requests refused before routing are logged too, as Apache and NGINX log every request. */
  const refused = (req: Request, server: Server<WsData>, started: number, res: Response) => {
    const t = req.url.charCodeAt(0) === 47 ? { path: req.url, query: "" } : splitTarget(req.url);
    deps.access({
      clientIp: clientIp(req, server), method: req.method, target: t.path + t.query,
      protocol: "HTTP/1.1", status: res.status, bytes: 0, referer: req.headers.get("referer"), userAgent: req.headers.get("user-agent"),
      host: req.headers.get("host") ?? "-", route: "-", pool: "", member: "", durationMs: performance.now() - started,
    });
    return res;
  };

  const ws: WebSocketDeps = { ...fwd, onResponse: deps.onResponse, log };

  /** Resolves to undefined when the connection was upgraded to a WebSocket. */
  return async function handle(req: Request, server: Server<WsData>): Promise<Response | undefined> {
    const started = performance.now();
    // Bun hands a relative req.url to a request with no valid Host (Bun 1.4 behaviour); never route those.
    const hostHeader = req.headers.get("host");
    const host = req.url.charCodeAt(0) === 47 ? undefined : hostName(hostHeader);
    if (!host) return refused(req, server, started, errorResponse("bad_request", "400 Bad Request: missing, invalid or repeated Host header"));
    const { path: rawPath, query } = splitTarget(req.url);
    const path = normalizePath(rawPath);
    const canonical = matchPath(rawPath);
    if (canonical === undefined) return refused(req, server, started, errorResponse("bad_request", "400 Bad Request: invalid request path"));
    const route = rt.router.match(host, canonical);
    if (!route) return refused(req, server, started, errorResponse("no_route", "404 Not Found: no route for this host and path"));
    if (!route.allowEncodedSlashes && hasEncodedSlash(rawPath)) return refused(req, server, started, errorResponse("no_route", ENCODED_SLASH_404));
    const x: Exchange = {
      req, route, method: req.method, rawTarget: rawPath + query, path, canonical, query,
      hostHeader: hostHeader!, hostName: host,
      clientIp: clientIp(req, server), scheme: listener.scheme,
      listenerPort: listener.port, started, pool: "", member: "", chosen: undefined,
    };
    if (route.denyMethods.has(x.method)) return local(x, errorResponse("forbidden", `403 Forbidden: method ${x.method} is not allowed here`));
    if (route.auth) {
      const facts = { authorization: req.headers.get("authorization"), cookie: req.headers.get("cookie"), query, clientIp: x.clientIp };
      const verdict = await authorize(route, facts, deps.events);
      if (!verdict.ok) return local(x, unauthorizedResponse(verdict));
      applyAuthHeaders(req.headers, verdict);
    }
    const action = route.action;
    if (action.kind === "respond") return local(x, new Response(action.body, { status: action.status, headers: action.headers }), action.bodyBytes);
    if (action.kind === "redirect") return local(x, new Response(null, { status: action.status, headers: { location: action.to } }));

    // Bun.serve hands a GET or HEAD no body: forwarded with its framing but without the bytes,
    // the member would read the body as the next request on the pooled connection.
    if ((x.method === "GET" || x.method === "HEAD") && announcesBody(req)) {
      return local(x, errorResponse("bad_request", "400 Bad Request: a GET or HEAD body is not accepted here"));
    }
    if (isWebSocketUpgrade(req)) {
      const up = await forwardWebSocket(x, action.pool, server, ws);
      if (up !== ANSWERED_PLAIN) return up;
    }

    // Bun closes a connection idle past its idleTimeout (max 255 s) even while we wait for the
    // upstream (Bun 1.4 behaviour); our own response/idle deadlines govern these routes instead.
    if (route.outlastsServerIdle) server.timeout(req, 0);
    const limit = limitBody(req, route.maxBodySize);
    if (limit === "too_large") return local(x, errorResponse("too_large", `413 Content Too Large: the body exceeds ${route.maxBodySize} bytes`));
    const out = await forward(x, action.pool, limit.body, fwd);
    if (out instanceof Response) return local(x, limit.exceeded() ? errorResponse("too_large", `413 Content Too Large: the body exceeds ${route.maxBodySize} bytes`) : out);

    const { res, member, abort } = out;
    let headers: Headers;
    try {
      headers = clientHeaders(x, res, member);
      deps.onResponse?.(action.pool, x, member, headers);
    } catch (e) {
      abort.abort(e);
      member.end(0);
      fwd.outcome(action.pool, member, true, "answered; our header rules failed"); // not the member's fault
      deps.events("error", `route=${route.label} response header rule failed: ${(e as Error).message}`);
      return local(x, errorResponse("upstream", "502 Bad Gateway: the upstream response could not be rewritten"));
    }
    const pool = action.pool;
    const status = res.status;
    const settle = (bytes: number, err: unknown) => {
      member.end(bytes);
      // A client that stops reading is not the member's fault: only upstream errors count.
      const upstreamFault = err !== null && !(err instanceof ClientGone);
      fwd.outcome(pool, member, !upstreamFault && !pool.failOnStatus.has(status), upstreamFault ? `body: ${(err as Error)?.message ?? err}` : `status ${status}`);
      if (upstreamFault) deps.events("warn", `pool=${pool.name} member=${member.origin} response aborted after ${bytes} bytes: ${(err as Error)?.message ?? err}`);
      log(x, status, bytes);
    };
    // A body already in memory goes out in the upstream's own Response, headers edited in place.
    const whole = bufferedBody(res);
    if (whole !== undefined) {
      settle(whole.byteLength, null);
      return res;
    }
    if (!res.body) {
      settle(0, null);
      return new Response(null, { status, statusText: res.statusText, headers });
    }
    const body = observeBody(res.body, route.timeouts.idle, deps.deadlines, abort, settle);
    return new Response(body, { status, statusText: res.statusText, headers });
  };
}

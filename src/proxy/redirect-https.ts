/**
 * `redirectHttps` listeners: every request gets a redirect to the same host, path and query on
 * HTTPS (Apache `Redirect permanent / https://...`, NGINX `return 301 https://$host$request_uri`).
 */
import { hostName } from "./host.ts";
import { errorResponse } from "./errors.ts";
import { splitTarget } from "./normalize.ts";

export function redirectToHttps(opts: { port: number; status: number }) {
  return function redirect(req: Request): Response {
    const host = req.url.charCodeAt(0) === 47 ? undefined : hostName(req.headers.get("host"));
    if (!host) return errorResponse("bad_request", "400 Bad Request: missing, invalid or repeated Host header");
    const { path, query } = splitTarget(req.url);
    const authority = host + (opts.port === 443 ? "" : `:${opts.port}`);
    return new Response(null, { status: opts.status, headers: { location: `https://${authority}${path}${query}` } });
  };
}

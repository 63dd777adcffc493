/**
 * Admin request bodies are small: a member change or a login form, well under 1 KiB. A larger
 * declared body is refused before a byte of it is read, with the JSON error every admin answer
 * has (NGINX's client_max_body_size plays the part there). Without this, a `--workers`
 * supervisor read a 100 MB PATCH whole and copied it to every worker before any token check.
 * Bun.serve's maxRequestBodySize (BODY_CAP) bounds a body sent without a Content-Length; one
 * declared past it Bun refuses itself (a 413 without a body), before the handler runs.
 */
export const ADMIN_BODY_MAX = 64 * 1024;
export const BODY_CAP = 1024 * 1024;

export function bodyTooLarge(req: Request): Response | undefined {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (!(declared > ADMIN_BODY_MAX)) return undefined;
  return Response.json({ error: `the request body is ${declared} bytes; admin requests take at most ${ADMIN_BODY_MAX}` }, { status: 413, headers: { connection: "close" } });
}

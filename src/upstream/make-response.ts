import type { ResponseHead } from "./response-head.ts";

/**
 * Builds the Response for a parsed head. `new Response` only accepts statuses
 * 200-599, so a final 101 (we do not implement upgrades) is returned as a
 * body-less Response whose `status` property is overridden to 101; Bun.serve
 * would send it as 200, so callers must check `status` (the proxy answers 502).
 */
export function makeResponse(head: ResponseHead, body: ReadableStream<Uint8Array> | Uint8Array | null): Response {
  const status = head.status;
  if (status >= 200) {
    try {
      return new Response(body, { status, statusText: head.statusText, headers: head.headers });
    } catch {
      // A reason phrase Response refuses (e.g. non-ByteString) must not lose the response.
      return new Response(body, { status, headers: head.headers });
    }
  }
  const res = new Response(null, { status: 200, statusText: head.statusText, headers: head.headers });
  Object.defineProperty(res, "status", { value: status });
  Object.defineProperty(res, "ok", { value: false });
  return res;
}

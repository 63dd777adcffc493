import type { ResponseHead } from "./response-head.ts";

/**
 * A body that arrived whole with the head is kept on the Response under this symbol, so the
 * proxy can hand the bytes to the client without building and piping a ReadableStream (which
 * costs more than the rest of a small request's path).
 */
const BUFFERED = Symbol("buffered body");
type BufferedResponse = Response & { [BUFFERED]?: Uint8Array };

export function bufferedBody(res: Response): Uint8Array | undefined {
  return (res as BufferedResponse)[BUFFERED];
}

/**
 * Builds the Response for a parsed head. `new Response` only accepts statuses
 * 200-599, so a final 101 (we do not implement upgrades) is returned as a
 * body-less Response whose `status` property is overridden to 101; Bun.serve
 * would send it as 200, so callers must check `status` (the proxy answers 502).
 */
export function makeResponse(head: ResponseHead, body: ReadableStream<Uint8Array> | Uint8Array | null): Response {
  const status = head.status;
  if (status >= 200) {
    // Bun.serve sends `content-type: application/octet-stream` for a byte body whose Response
    // has no Content-Type (deleting the header does not stop it; ReadableStream and null
    // bodies get none). The proxy must not invent one, so when the upstream sent none the
    // bytes go in a one-chunk stream; they stay available through bufferedBody().
    const init: ReadableStream<Uint8Array> | Uint8Array | null = body instanceof Uint8Array && !head.headers.has("content-type") ? oneChunk(body) : body;
    let res: Response;
    try {
      res = new Response(init, { status, statusText: head.statusText, headers: head.headers });
    } catch {
      // A reason phrase Response refuses (e.g. non-ByteString) must not lose the response.
      res = new Response(init, { status, headers: head.headers });
    }
    if (body instanceof Uint8Array) (res as BufferedResponse)[BUFFERED] = body;
    return res;
  }
  const res = new Response(null, { status: 200, statusText: head.statusText, headers: head.headers });
  Object.defineProperty(res, "status", { value: status });
  Object.defineProperty(res, "ok", { value: false });
  return res;
}

function oneChunk(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * maxBodySize (NGINX client_max_body_size, Apache LimitRequestBody): a declared
 * Content-Length over the limit gets 413 before any upstream is chosen; a chunked body is
 * counted as it streams and cut when it passes the limit (the handler then answers 413).
 */
export interface LimitedBody { body: ReadableStream<Uint8Array> | null; exceeded: () => boolean }

const NO_BODY: LimitedBody = { body: null, exceeded: () => false };

export function limitBody(req: Request, max: number | undefined): LimitedBody | "too_large" {
  // RFC 9112 6.3: a request without Content-Length or Transfer-Encoding has no body. Checking the
  // headers first avoids touching req.body, which makes Bun build a stream even for a GET.
  const declared = req.headers.get("content-length");
  if (declared === null && !req.headers.has("transfer-encoding")) return NO_BODY;
  if (declared === "0") return NO_BODY;
  const body = req.body;
  if (max === undefined || body === null) return { body, exceeded: () => false };
  if (declared !== null) return Number(declared) > max ? "too_large" : { body, exceeded: () => false };
  let seen = 0;
  let over = false;
  const counted = body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctrl) {
      seen += chunk.byteLength;
      if (seen > max) {
        over = true;
        ctrl.error(new Error(`request body exceeds ${max} bytes`));
        return;
      }
      ctrl.enqueue(chunk);
    },
  }));
  return { body: counted, exceeded: () => over };
}

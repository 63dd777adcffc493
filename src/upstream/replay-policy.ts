import type { UpstreamRequest } from "./client.ts";

/**
 * RFC 9110 9.2.2: methods whose repetition has the same effect as one request. Only these are
 * replayed after the keep-alive race: the server may have acted on a request it never answered
 * (Go's net/http transport makes the same choice).
 */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/**
 * The keep-alive race (RFC 9112 §9.3.1): a pooled socket the server closed just as
 * we reused it. Nothing came back and no body was consumed, but the server may still
 * have received and acted on the request, so only an idempotent one is replayed once
 * on a fresh connection, transparently (RFC 9112 §9.3.1.1, RFC 9110 §9.2.2).
 * `unsent`: not one byte of the request was written, so any method may be replayed.
 */
export function mayReplay(req: UpstreamRequest, unsent: boolean): boolean {
  return req.body === null && (unsent || IDEMPOTENT.has(req.method)) && !req.signal?.aborted;
}

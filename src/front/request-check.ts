/**
 * What a refused request is: the answer's kind and text (request-head.ts, chunk-scan.ts and
 * the body readers throw it; request-intake.ts answers it and closes), and the access line it leaves, since Apache and
 * NGINX log requests refused before routing too.
 */
import type { AccessEntry } from "../log/access.ts";
import type { FastHead } from "./fast-head.ts";

export type BadHeadKind = "bad_request" | "head_too_large" | "too_large" | "not_allowed" | "expectation" | "version" | "not_implemented";

/** Why a head (or a request body's framing) is refused: the answer's kind and text. */
export class BadHead extends Error {
  readonly kind: BadHeadKind;
  constructor(message: string, kind: BadHeadKind = "bad_request") {
    super(message);
    this.kind = kind;
  }
}

/** What a refused request's access line can name: its head when that was read, or its request line's parts. */
export type RefusedHead = Pick<FastHead, "method" | "target"> & Partial<Omit<FastHead, "protocol">> & { protocol: string };

/**
 * A refused head's request line split as received, as Apache (%r) and NGINX ($request) log it
 * even when the rest of the head is bad: undefined unless it is three words. The line may hold
 * anything; the access log escapes it.
 */
export function requestLineParts(head: string): RefusedHead | undefined {
  const eol = head.indexOf("\r\n");
  const parts = head.slice(0, Math.min(eol < 0 ? head.length : eol, 8192)).split(" ");
  return parts.length === 3 && parts.every((p) => p !== "") ? { method: parts[0]!, target: parts[1]!, protocol: parts[2]! } : undefined;
}

/** The access line of a request refused before it was routed; with its head when that was read. */
export function refusedEntry(clientIp: string, status: number, h?: RefusedHead, bytes = 0): AccessEntry {
  return {
    clientIp, method: h?.method ?? "-", target: h?.target ?? "-", protocol: h?.protocol ?? "HTTP/1.1", status, bytes, referer: h?.referer ?? null,
    userAgent: h?.userAgent ?? null, host: h?.hostHeader ?? "-", route: "-", pool: "", member: "", durationMs: 0,
  };
}

/** Empty lines skipped before a request line (RFC 9112 2.2 asks for at least one). */
export const MAX_BLANK_LINES = 8;

/**
 * The bytes of empty lines (CRLF) that start `buf`. RFC 9112 2.2: they are ignored before a
 * request line (some clients send a CRLF after a POST body); NGINX skips them too. A few: a
 * client dripping CRLFs must not keep an idle connection forever (each would push the
 * keep-alive timeout on).
 */
export function blankLinesAt(buf: Uint8Array): number {
  let at = 0;
  while (buf[at] === 13 && buf[at + 1] === 10) at += 2;
  return at;
}

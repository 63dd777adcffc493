/**
 * The strict reading of a request head that the fast lane does not take, before anything
 * behind the front sees it (RFC 9112 3, 5, 6.3). What a lenient parser and a strict member
 * could read two ways is refused with 400 and the connection closed: a malformed request
 * line, controls or DEL in a field value, obs-fold, bare LF, Transfer-Encoding with
 * Content-Length, more than one Content-Length, a Transfer-Encoding that does not end in
 * chunked. Underscored spellings of the fields the proxy sets or frames by
 * (`X_Forwarded_For`, `Content_Length`) are dropped, as NGINX drops underscored names
 * (underscores_in_headers off): some frameworks read them as the dashed name.
 */

import type { AccessEntry } from "../log/access.ts";
import { readsAsOurs } from "../proxy/headers.ts";

/** How the body after a head is framed (RFC 9112 6.3). */
export const NO_BODY = 0, LENGTH = 1, CHUNKED = 2;

export interface CheckedHead {
  framing: typeof NO_BODY | typeof LENGTH | typeof CHUNKED;
  /** Content-Length when framing is LENGTH. */
  length: number;
  /** An Upgrade request: what follows a 101 is no longer HTTP. */
  upgrade: boolean;
  /** `Expect: 100-continue` was sent. */
  expectContinue: boolean;
  /** The head to forward: the bytes received, or a copy without the dropped lines. */
  bytes: Uint8Array;
  method: string;
  target: string;
}

export type BadHeadKind = "bad_request" | "head_too_large" | "not_allowed" | "expectation" | "version";

/** Why a head is refused: the answer's kind (400, or 431 for a head too large) and text. */
export class BadHead extends Error {
  readonly kind: BadHeadKind;
  constructor(message: string, kind: BadHeadKind = "bad_request") {
    super(message);
    this.kind = kind;
  }
}

/** The access line of a request refused before it was routed (Apache and NGINX log those too). */
export function refusedEntry(clientIp: string, status: number): AccessEntry {
  return {
    clientIp, method: "-", target: "-", protocol: "HTTP/1.1", status, bytes: 0, referer: null,
    userAgent: null, host: "-", route: "-", pool: "", member: "", durationMs: 0,
  };
}

const REQUEST_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [\x21-\x7e\x80-\xff]+ HTTP\/\d\.\d$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 5.5: field-vchar, SP and HTAB; obs-text allowed; every other control and DEL refused. */
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const CHUNKED_TOKEN = "chunked";


/** `head` is the latin1 text of the bytes up to and including the CRLFCRLF; `raw` the same bytes. */
export function checkHead(head: string, raw: Uint8Array): CheckedHead {
  if (/\n(?<!\r\n)|\r(?!\n)/.test(head)) throw new BadHead("400 Bad Request: a line ends in a bare LF or CR");
  const eol0 = head.indexOf("\r\n");
  const line = head.slice(0, eol0);
  if (!REQUEST_LINE.test(line)) throw new BadHead("400 Bad Request: malformed request line");
  const sp = line.indexOf(" ");
  const out: CheckedHead = {
    framing: NO_BODY, length: 0, upgrade: false, expectContinue: false, bytes: raw,
    method: line.slice(0, sp), target: line.slice(sp + 1, line.lastIndexOf(" ")),
  };
  const http10 = line.endsWith("HTTP/1.0");
  let lengths = 0;
  let te: string | undefined;
  let dropped: string | undefined; // the head without the dropped lines, built only when one is
  let from = 0; // start of the run of bytes kept as received
  const last = head.length - 2;
  for (let pos = eol0 + 2; pos < last;) {
    const eol = head.indexOf("\r\n", pos);
    const c0 = head.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) throw new BadHead("400 Bad Request: obs-fold (a field line continued on the next line)");
    const colon = head.indexOf(":", pos);
    if (colon < 0 || colon > eol || !FIELD_NAME.test(head.slice(pos, colon))) throw new BadHead("400 Bad Request: malformed field line");
    const value = head.slice(colon + 1, eol);
    if (BAD_VALUE.test(value)) throw new BadHead("400 Bad Request: a control character in a field value");
    const name = head.slice(pos, colon).toLowerCase();
    if (name === "content-length") {
      lengths++;
      const v = value.trim();
      if (!/^\d{1,15}$/.test(v)) throw new BadHead("400 Bad Request: invalid Content-Length");
      out.length = Number(v);
    } else if (name === "transfer-encoding") te = te === undefined ? value : `${te},${value}`;
    else if (name === "upgrade") out.upgrade = true;
    else if (name === "expect" && value.trim().toLowerCase() === "100-continue") out.expectContinue = true;
    else if (readsAsOurs(name)) {
      dropped = (dropped ?? "") + head.slice(from, pos);
      from = eol + 2;
    }
    pos = eol + 2;
  }
  if (lengths > 1) throw new BadHead("400 Bad Request: more than one Content-Length");
  if (te !== undefined) {
    if (lengths > 0) throw new BadHead("400 Bad Request: Transfer-Encoding together with Content-Length");
    const codings = te.split(",").map((t) => t.trim().toLowerCase()).filter((t) => t !== "");
    // RFC 9112 6.1: chunked is last and only once; HTTP/1.0 has no Transfer-Encoding.
    if (http10 || codings.at(-1) !== CHUNKED_TOKEN || codings.indexOf(CHUNKED_TOKEN) !== codings.length - 1) {
      throw new BadHead("400 Bad Request: Transfer-Encoding must end in chunked");
    }
    out.framing = CHUNKED;
  } else if (lengths > 0 && out.length > 0) out.framing = LENGTH;
  if (dropped !== undefined) out.bytes = Buffer.from(dropped + head.slice(from), "latin1");
  return out;
}

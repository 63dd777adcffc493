import { UpstreamError } from "./errors.ts";
import { ows } from "../proxy/headers.ts";

/** A parsed response head (RFC 9112 §4 status line + §5 field lines). */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (the digit after "HTTP/1.") */
  minorVersion: number;
  headers: Headers;
  /** -1 when absent */
  contentLength: number;
  /** Transfer-Encoding present at all; the parser accepts it only as exactly "chunked" */
  hasTransferEncoding: boolean;
  chunked: boolean;
  connectionClose: boolean;
  connectionKeepAlive: boolean;
  /** Offset just past the empty line that ends the head. */
  end: number;
}

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
const COLON = 58;
/** Largest content-length we accept: keeps arithmetic exact (Number.MAX_SAFE_INTEGER has 16 digits). */
const MAX_CL_DIGITS = 15;

function malformed(msg: string): UpstreamError {
  return new UpstreamError("EMALFORMED", `malformed upstream response: ${msg}`);
}

/**
 * Returns the offset just past the empty line ending the head, or -1 if the
 * head is not complete yet. Lines end in LF with an optional CR before it:
 * RFC 9112 §2.2 lets a recipient accept a bare LF as a line terminator.
 */
export function findHeadEnd(buf: Uint8Array, from: number): number {
  let pos = from;
  for (;;) {
    const lf = buf.indexOf(LF, pos);
    if (lf === -1) return -1;
    if (pos !== from && (lf === pos || (lf === pos + 1 && buf[pos] === CR))) return lf + 1;
    pos = lf + 1;
  }
}

function lineEnd(buf: Uint8Array, lf: number, start: number): number {
  return lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
}

function parseContentLength(value: string): number {
  // RFC 9112 §6.3 (5): a list of identical values may be accepted as one.
  if (value.includes(",")) {
    const parts = value.split(",");
    const first = parseContentLength(ows(parts[0]!));
    for (const p of parts) if (parseContentLength(ows(p)) !== first) throw malformed("differing content-length values");
    return first;
  }
  const len = value.length;
  if (len === 0 || len > MAX_CL_DIGITS) throw malformed(`invalid content-length "${value}"`);
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) throw malformed(`invalid content-length "${value}"`);
  }
  return Number(value);
}

function hasToken(lowerValue: string, token: string): boolean {
  for (const t of lowerValue.split(",")) if (ows(t) === token) return true;
  return false;
}

/**
 * Parses a complete head in buf[from, end) where end came from findHeadEnd.
 * Throws UpstreamError EMALFORMED on anything RFC 9112 says to reject.
 */
export function parseResponseHead(buf: Buffer, from: number, end: number): ResponseHead {
  // Status line: HTTP-version SP status-code SP [reason-phrase] (RFC 9112 §4).
  const firstLf = buf.indexOf(LF, from);
  const slEnd = lineEnd(buf, firstLf, from);
  if (
    slEnd - from < 12 ||
    buf[from] !== 72 || buf[from + 1] !== 84 || buf[from + 2] !== 84 || buf[from + 3] !== 80 ||
    buf[from + 4] !== 47 || buf[from + 5] !== 49 || buf[from + 6] !== 46 || buf[from + 8] !== SP
  ) {
    throw malformed(`bad status line "${buf.toString("latin1", from, Math.min(slEnd, from + 64))}"`);
  }
  const minor = buf[from + 7]! - 48;
  const d0 = buf[from + 9]! - 48;
  const d1 = buf[from + 10]! - 48;
  const d2 = buf[from + 11]! - 48;
  if (minor < 0 || minor > 9 || d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
    throw malformed(`bad status line "${buf.toString("latin1", from, Math.min(slEnd, from + 64))}"`);
  }
  // Some servers omit the SP when the reason phrase is empty; accept that.
  if (slEnd > from + 12 && buf[from + 12] !== SP) throw malformed("bad status code");
  // RFC 9112 4: reason-phrase = *( HTAB / SP / VCHAR / obs-text ). A bare CR relayed in it would
  // end the line early for a lenient client (a header of the member's choosing); refuse any control.
  for (let i = from + 13; i < slEnd; i++) {
    const c = buf[i]!;
    if ((c < 32 && c !== HT) || c === 127) throw malformed("a control character in the reason phrase");
  }
  const statusText = slEnd > from + 13 ? buf.toString("latin1", from + 13, slEnd) : "";

  const head: ResponseHead = {
    status: d0 * 100 + d1 * 10 + d2,
    statusText,
    minorVersion: minor,
    headers: new Headers(),
    contentLength: -1,
    hasTransferEncoding: false,
    chunked: false,
    connectionClose: false,
    connectionKeepAlive: false,
    end,
  };
  const headers = head.headers;
  let pos = firstLf + 1;
  for (;;) {
    const lf = buf.indexOf(LF, pos);
    const le = lineEnd(buf, lf, pos);
    if (le === pos) break; // the empty line
    const c0 = buf[pos];
    // obs-fold (RFC 9112 §5.2): rejecting is allowed and avoids re-framing surprises.
    if (c0 === SP || c0 === HT) throw malformed("obsolete line folding");
    const colon = buf.indexOf(COLON, pos);
    if (colon === -1 || colon >= le || colon === pos) throw malformed("header line without name/colon");
    // RFC 9112 §5.1: whitespace between field name and colon MUST be rejected.
    const before = buf[colon - 1];
    if (before === SP || before === HT) throw malformed("whitespace before colon");
    let vs = colon + 1;
    let ve = le;
    while (vs < ve && (buf[vs] === SP || buf[vs] === HT)) vs++;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
    const name = buf.toString("latin1", pos, colon);
    const value = buf.toString("latin1", vs, ve);
    const nl = colon - pos;
    let append = true;
    // Only names of these exact lengths can be framing headers: skip lowercasing the rest.
    if (nl === 14 || nl === 17 || nl === 10) {
      const lower = name.toLowerCase();
      if (lower === "content-length") {
        const cl = parseContentLength(value);
        if (head.contentLength !== -1 && head.contentLength !== cl) throw malformed("differing content-length headers");
        // Identical duplicates are kept once: forwarding "3, 3" makes fetch/Bun.serve reject it.
        append = head.contentLength === -1;
        head.contentLength = cl;
      } else if (lower === "transfer-encoding") {
        // RFC 9112 §6.1: any other coding (gzip, "gzip, chunked", chunked twice) would reach the
        // client as if it were identity once the proxy drops this hop-by-hop header, and a
        // final coding other than chunked leaves only read-until-close: refuse them all.
        head.hasTransferEncoding = true;
        for (const coding of value.split(",")) {
          const c = ows(coding);
          if (c === "") continue; // RFC 9110 §5.6.1: empty list elements are ignored
          if (c.toLowerCase() !== "chunked" || head.chunked) throw malformed(`unsupported transfer-encoding "${value.slice(0, 64)}"`);
          head.chunked = true;
        }
      } else if (lower === "connection") {
        const lv = value.toLowerCase();
        if (hasToken(lv, "close")) head.connectionClose = true;
        if (hasToken(lv, "keep-alive")) head.connectionKeepAlive = true;
      }
    }
    if (append) {
      try {
        headers.append(name, value);
      } catch {
        throw malformed(`invalid header "${name.slice(0, 64)}"`);
      }
    }
    pos = lf + 1;
  }
  // RFC 9112 §6.1: a message with both is a smuggling vector; we refuse it outright.
  if (head.hasTransferEncoding && head.contentLength !== -1) throw malformed("both transfer-encoding and content-length");
  if (head.hasTransferEncoding && !head.chunked) throw malformed("transfer-encoding without chunked");
  return head;
}

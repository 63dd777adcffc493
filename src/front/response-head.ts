/**
 * The engine's view of an upstream response head. The common head (HTTP/1.1, plain fields,
 * framing by Content-Length or chunked) is scanned without building a Headers object and, when
 * nothing in it needs rewriting, goes to the client byte for byte. Anything else takes the
 * slow road: the full parser (src/upstream/response-head.ts, which rejects malformed heads)
 * and the header steps (hop-by-hop, ProxyPassReverse, responseHeaders) on a Headers object.
 */
import { parseResponseHead } from "../upstream/response-head.ts";
import { UpstreamError } from "../upstream/errors.ts";
import { ows, stripHopByHop } from "../proxy/headers.ts";
import { httpDate } from "../proxy/errors.ts";
import type { RuntimeRoute } from "../config/runtime.ts";
import { FieldNames, lengthAt } from "./field-name.ts";

export interface Framing {
  status: number;
  /** -1 when absent */
  contentLength: number;
  chunked: boolean;
  /** The upstream will close after this response: its socket is not reused. */
  upstreamClose: boolean;
}

export interface ClientHead extends Framing {
  /** The head as the client gets it; `undefined` means "the upstream's bytes as they are". */
  bytes: Uint8Array | undefined;
  /** No length and not chunked: the body ends when the upstream closes, so the client connection closes too. */
  closeDelimited: boolean;
  /** A chunked body for an HTTP/1.0 client: relayed decoded, ended by the close. */
  dechunk: boolean;
  /**
   * A body the member ends by closing, for an HTTP/1.1 client: relayed chunked, so the client's
   * connection outlives the member's (RFC 9112 7; NGINX and Caddy do the same).
   */
  rechunk: boolean;
}

export interface HeadContext {
  route: RuntimeRoute;
  scheme: "http" | "https";
  /** The scheme the client used (listener, or a trusted X-Forwarded-Proto): for reverse. */
  clientScheme?: "http" | "https";
  hostHeader: string;
  clientIp: string;
  member: string;
  /** The listener's configured port: ProxyPassReverse maps through the routes it serves. */
  listenerPort?: number | undefined;
  /** The client asked to close: say so in the head. */
  close: boolean;
  /** An HTTP/1.0 client: it cannot read chunked framing (RFC 9112 6.1). */
  http10?: boolean;
  /** A sticky-session cookie to add (after the member's own Set-Cookie fields). */
  setCookie?: string | undefined;
}

/** Hop-by-hop fields (RFC 9110 7.6.1), never relayed. */
const HOP = new Set(["keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization"]);
/** Fields ProxyPassReverse and cookie mapping rewrite (rewrite/reverse.ts). */
const REVERSED = new Set(["location", "content-location", "uri", "set-cookie"]);
/** The names the scan acts on; every other line goes to the client untouched. */
const NAMES = new FieldNames(["date", "content-length", "transfer-encoding", "connection", ...HOP, ...REVERSED]);
const CLOSE_LINE = "connection: close\r\n";
const CHUNKED_LINE = "transfer-encoding: chunked\r\n";
/** An HTTP/1.0 client that asked to keep the connection is told it is kept (RFC 9112 9.3). */
const KEEP_LINE = "connection: keep-alive\r\n";
/**
 * The full parser's business (RFC 9112 2.2, 5.1, 5.5): control characters other than HTAB, CR or
 * LF outside a CRLF pair, and a field line that is not `token:` (obs-fold, `Name :`, junk).
 */
const NOT_PLAIN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n|\r\n(?!\r\n|$|[!#$%&'*+\-.^_`|~0-9A-Za-z]+:)/;

/**
 * `head` is the latin1 text of buf[0, end). Throws UpstreamError (EMALFORMED) for a head the
 * full parser rejects.
 */
export function clientHead(buf: Buffer, end: number, head: string, cx: HeadContext, isHead: boolean): ClientHead {
  return scan(head, cx, isHead) ?? rebuild(buf, end, cx, isHead);
}

function scan(head: string, cx: HeadContext, isHead: boolean): ClientHead | undefined {
  if (!head.startsWith("HTTP/1.1 ") || NOT_PLAIN.test(head)) return undefined;
  const d0 = head.charCodeAt(9) - 48, d1 = head.charCodeAt(10) - 48, d2 = head.charCodeAt(11) - 48;
  if (d0 < 2 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
  const status = d0 * 100 + d1 * 10 + d2;
  const eol0 = head.indexOf("\r\n");
  if (eol0 !== 12 && head.charCodeAt(12) !== 32) return undefined;
  let contentLength = -1;
  let chunked = false;
  let upstreamClose = false;
  let dated = false;
  let kept = "";
  let from = eol0 + 2;
  const last = head.length - 2;
  for (let pos = eol0 + 2; pos < last;) {
    const eol = head.indexOf("\r\n", pos);
    const colon = head.indexOf(":", pos);
    const name = NAMES.at(head, pos, colon); // every line is `token:` (NOT_PLAIN)
    if (name !== undefined) {
      if (name === "date") dated = true;
      else if (name === "content-length") {
        // RFC 9110 8.6: never on a 204; the full path drops it.
        if (contentLength >= 0 || status === 204) return undefined;
        contentLength = lengthAt(head, colon + 1, eol);
        if (contentLength < 0) return undefined;
      } else if (name === "transfer-encoding") {
        // RFC 9112 6.1: never on a 204, and an HTTP/1.0 client cannot read it: the full path.
        if (chunked || status === 204 || cx.http10 || ows(head.slice(colon + 1, eol)).toLowerCase() !== "chunked") return undefined;
        chunked = true;
      } else if (name === "connection") {
        for (const token of head.slice(colon + 1, eol).split(",")) {
          const t = ows(token).toLowerCase();
          if (t === "close") upstreamClose = true;
          else if (t !== "keep-alive" && t !== "") return undefined; // names fields to drop: the full path does that
        }
        kept += head.slice(from, pos);
        from = eol + 2;
      } else if (HOP.has(name)) {
        kept += head.slice(from, pos);
        from = eol + 2;
      } else if (cx.route.reverse && cx.hostHeader !== "" && REVERSED.has(name)) {
        // ProxyPassReverse on this one line, in place: case, order and separate lines are kept.
        const mapped = cx.route.reverse.line(name, ows(head.slice(colon + 1, eol)), { scheme: cx.clientScheme ?? cx.scheme, host: cx.hostHeader, port: cx.listenerPort });
        if (mapped !== undefined) {
          if (/[^\x00-\xff]/.test(mapped)) return undefined; // the full path encodes what latin1 cannot hold
          kept += `${head.slice(from, colon)}: ${mapped}\r\n`;
          from = eol + 2;
        }
      }
    }
    pos = eol + 2;
  }
  if (cx.route.responseRules || (chunked && contentLength >= 0)) return undefined;
  const untilClose = !hasNoBody(status, isHead) && contentLength < 0 && !chunked;
  const rechunk = untilClose && !cx.http10;
  const closeDelimited = untilClose && !rechunk;
  const addClose = cx.close || closeDelimited;
  const keep10 = !addClose && cx.http10 === true;
  if (from === eol0 + 2 && !addClose && !keep10 && !rechunk && cx.setCookie === undefined && dated) return { status, contentLength, chunked, upstreamClose, bytes: undefined, closeDelimited, dechunk: false, rechunk };
  kept += head.slice(from, last);
  const cookie = cx.setCookie === undefined ? "" : `set-cookie: ${cx.setCookie}\r\n`;
  // RFC 9110 6.6.1: a proxy with a clock adds the Date a member left out (Bun.serve did).
  const date = dated ? "" : `date: ${httpDate()}\r\n`;
  const text = head.slice(0, eol0 + 2) + kept + date + cookie + (rechunk ? CHUNKED_LINE : "") + (addClose ? CLOSE_LINE : keep10 ? KEEP_LINE : "") + "\r\n";
  return { status, contentLength, chunked, upstreamClose, bytes: Buffer.from(text, "latin1"), closeDelimited, dechunk: false, rechunk };
}

function rebuild(buf: Buffer, end: number, cx: HeadContext, isHead: boolean): ClientHead {
  const p = parseResponseHead(buf, 0, end);
  if (p.status < 200) throw new UpstreamError("EMALFORMED", `malformed upstream response: unexpected ${p.status} (no upgrade was asked for)`);
  const h = p.headers;
  // Framing is ours to state (we relay the body as framed); the rest goes through the Headers steps.
  h.delete("content-length");
  stripHopByHop(h);
  // Without a Host (HTTP/1.0) there is no client URL to map the member's onto.
  if (cx.hostHeader !== "") cx.route.reverse?.(h, { scheme: cx.clientScheme ?? cx.scheme, host: cx.hostHeader, port: cx.listenerPort });
  cx.route.responseRules?.(h, { route: cx.route.label, member: cx.member, client_ip: cx.clientIp, host: cx.hostHeader, scheme: cx.scheme });
  if (cx.setCookie !== undefined) h.append("set-cookie", cx.setCookie);
  if (!h.has("date")) h.set("date", httpDate());
  const noBody = hasNoBody(p.status, isHead);
  // An HTTP/1.0 client gets a chunked body decoded, its end marked by the close (NGINX does the same).
  const dechunk = p.chunked && cx.http10 === true && !noBody;
  const rechunk = !noBody && p.contentLength < 0 && !p.chunked && !cx.http10;
  const closeDelimited = !noBody && !rechunk && ((p.contentLength < 0 && !p.chunked) || dechunk);
  let text = `HTTP/1.1 ${p.status} ${p.statusText}\r\n`;
  for (const [k, v] of h) text += `${k}: ${v}\r\n`;
  // RFC 9112 6.1: no Transfer-Encoding on a 204, nor to an HTTP/1.0 client.
  if ((p.chunked && p.status !== 204 && !cx.http10) || rechunk) text += CHUNKED_LINE;
  else if (!p.chunked && p.contentLength >= 0 && p.status !== 204) text += `content-length: ${p.contentLength}\r\n`;
  if (cx.close || closeDelimited) text += CLOSE_LINE;
  else if (cx.http10) text += KEEP_LINE;
  const upstreamClose = p.connectionClose || (p.minorVersion === 0 && !p.connectionKeepAlive);
  return { status: p.status, contentLength: p.contentLength, chunked: p.chunked, upstreamClose, bytes: Buffer.from(text + "\r\n", "latin1"), closeDelimited, dechunk, rechunk };
}

/**
 * An interim head for the client: RFC 9110 15.2 has a proxy forward the 1xx it did not ask for
 * (103 Early Hints, 102), as HAProxy and Caddy do; hop-by-hop fields stay behind. Throws
 * UpstreamError (EMALFORMED) for a head the full parser rejects.
 */
export function interimHead(buf: Buffer, end: number): Buffer {
  const p = parseResponseHead(buf, 0, end);
  stripHopByHop(p.headers);
  let text = `HTTP/1.1 ${p.status} ${p.statusText}\r\n`;
  for (const [k, v] of p.headers) text += `${k}: ${v}\r\n`;
  return Buffer.from(text + "\r\n", "latin1");
}

/**
 * The status of an interim (1xx) head, else -1: `HTTP/1.x 1dd` then SP or the line end. Exactly
 * three digits: "HTTP/1.1 1000" is no 1xx, and goes to the full parser, which rejects it.
 */
export function interimStatus(buf: Uint8Array): number {
  // "HTTP/1." then a digit, a space and a 1.
  if (buf[0] !== 72 || buf[1] !== 84 || buf[2] !== 84 || buf[3] !== 80 || buf[4] !== 47 || buf[5] !== 49 || buf[6] !== 46) return -1;
  if (buf[7]! < 48 || buf[7]! > 57 || buf[8] !== 32 || buf[9] !== 49) return -1;
  const d1 = buf[10]! - 48, d2 = buf[11]! - 48, after = buf[12];
  if (d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (after !== 32 && after !== 13 && after !== 10)) return -1;
  return 100 + d1 * 10 + d2;
}

/** RFC 9110 6.4.1: responses to HEAD, and 204/304, never have a body. */
export function hasNoBody(status: number, isHead: boolean): boolean {
  return isHead || status === 204 || status === 304;
}

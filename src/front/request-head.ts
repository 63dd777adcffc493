/**
 * The engine's request-head reader. The header lines are kept as text (what the member gets is
 * the client's lines minus the ones the proxy removes or sets), and read once for the few
 * fields the proxy decides by. Being strict is the safety property: what a lenient parser and
 * a strict member could read two ways (obs-fold, bare LF, controls, duplicate framing) is a
 * BadHead, answered 400 and the connection closed, never forwarded.
 */
import { ows, readsAsOurs } from "../proxy/headers.ts";
import { BadHead } from "./request-check.ts";
import { cachedHostName, joinValues, validOffer, value, version, withoutFields } from "./head-fields.ts";
import { FieldNames } from "./field-name.ts";
import type { FastHead } from "./fast-head.ts";

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
const BAD_HOST = "400 Bad Request: missing, invalid or repeated Host header";
const TE_NOT_CHUNKED = "400 Bad Request: Transfer-Encoding must end in chunked";
const TE_ONLY_CHUNKED = "501 Not Implemented: no transfer coding but chunked is accepted in a request";
const CHUNKED_LINE = "Transfer-Encoding: chunked\r\n";
/** Fields a Connection line may not remove from the forwarded request. */
const PROTECTED = new Set(["host", "content-length", "transfer-encoding"]);
/** absolute-form (RFC 9112 3.2.2): scheme, authority, then the path and query. */
const ABSOLUTE = /^https?:\/\/([^/?#@\s]+)(\/[^#]*)?(?:\?([^#]*))?$/i;
const DIGITS = /^\d{1,15}$/;
/** RFC 9110 7.6.1 hop-by-hop fields (and the classic RFC 2616 list): never forwarded. */
const HOP = new Set(["keep-alive", "proxy-connection", "te", "trailer", "proxy-authenticate", "proxy-authorization", "http2-settings"]);
/** The names the reader acts on; every other line is copied untouched. */
const NAMES = new FieldNames(["host", "connection", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded", "x-real-ip",
  "content-length", "transfer-encoding", "expect", "upgrade", "authorization", "user-agent", "referer", "cookie", ...HOP]);

/**
 * X-Forwarded-Prefix, -Ssl, -Server, -Scheme and the rest: frameworks build URLs and pick the
 * scheme from them (Spring, Rack), so like the four the proxy sets they are kept only from
 * trustedProxies; from anyone else they are dropped (routes-json: "otherwise they are replaced").
 */
const X_FORWARDED_OTHER = "x-forwarded-*";
const XF = "x-forwarded-";

function forwardedOther(head: string, pos: number, colon: number): string | undefined {
  if (colon - pos <= XF.length) return undefined;
  for (let i = 0; i < XF.length; i++) if ((head.charCodeAt(pos + i) | 0x20) !== XF.charCodeAt(i)) return undefined;
  return X_FORWARDED_OTHER;
}

/** Largest request head read; a longer one is answered 431 (NGINX large_client_header_buffers 4 8k). */
export const MAX_HEAD = 32 * 1024;

/** Offset just past the CRLFCRLF ending the head, -1 while incomplete, -2 at a bare LF (not ours). */
export function headEnd(buf: Uint8Array): number {
  let at = buf.indexOf(10);
  while (at >= 0) {
    if (at === 0 || buf[at - 1] !== 13) return -2;
    if (at >= 3 && buf[at - 2] === 10 && buf[at - 3] === 13) return at + 1;
    at = buf.indexOf(10, at + 1);
  }
  return -1;
}

/**
 * `head` is the latin1 text of the bytes up to and including the final CRLFCRLF. Returns the
 * head to serve, or throws BadHead with the answer (RFC 9112 3, 5, 6.3; RFC 9110 7.6.1):
 * whatever a lenient parser and a strict member could read two ways is refused.
 */
export function readFastHead(head: string): FastHead {
  const eol0 = head.indexOf("\r\n");
  const sp1 = head.indexOf(" ");
  if (sp1 <= 0 || sp1 > 32 || eol0 < 0 || sp1 > eol0) throw new BadHead("400 Bad Request: malformed request line");
  for (let i = 0; i < sp1; i++) {
    const c = head.charCodeAt(i);
    if (c >= 128 || !TCHAR[c]) throw new BadHead("400 Bad Request: malformed request line");
  }
  const sp2 = head.lastIndexOf(" ", eol0);
  if (sp2 <= sp1 + 1) throw new BadHead("400 Bad Request: malformed request line");
  // Checked in the head itself: reading a fresh slice char by char would first copy it out.
  // Bytes >= 0x80 in the target go to the member as received (NGINX and Apache pass them),
  // so the head goes out as latin1, not re-encoded as UTF-8 into another resource's name.
  let wide = false;
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = head.charCodeAt(i);
    if (c <= 32 || c === 127) throw new BadHead("400 Bad Request: malformed request line");
    if (c >= 128) wide = true;
  }
  let target = head.slice(sp1 + 1, sp2);
  const method = head.slice(0, sp1);
  // After the target's checks: the HTTP/2 preface (`PRI * HTTP/2.0`) is a 400, as NGINX answers it.
  if (target === "*") throw new BadHead("400 Bad Request: the * target is not served here");
  const http10 = version(head.slice(sp2 + 1, eol0));
  let authority: string | undefined;
  if (target.charCodeAt(0) !== 47) {
    // RFC 9112 3.2.2: absolute-form is accepted and its authority is the host (the Host line is replaced).
    const abs = ABSOLUTE.exec(target);
    if (method === "CONNECT") throw new BadHead("405 Method Not Allowed: CONNECT is not served by a reverse proxy", "not_allowed");
    if (!abs) throw new BadHead("400 Bad Request: malformed request target");
    authority = abs[1]!;
    target = abs[2] || (abs[3] !== undefined ? `/?${abs[3]}` : "/");
  }
  const q = target.indexOf("?");
  const h: FastHead = {
    method, target, rawPath: q < 0 ? target : target.slice(0, q), query: q < 0 ? "" : target.slice(q),
    hostHeader: "", hostName: "", beforeHost: "", afterHost: "", userAgent: null, referer: null, cookie: null, authorization: null,
    xForwardedFor: null, xForwardedProto: null, xForwardedHost: null, xForwardedPort: null, trustedOnly: "", close: http10, http10, protocol: http10 ? "HTTP/1.0" : "HTTP/1.1", latin1: wide,
    bodyLength: -1, chunked: false, expectContinue: false, upgrade: false,
  };
  let connectionUpgrade = false;
  /** HTTP/1.0 keeps the connection only when asked (RFC 9112 9.3, `Connection: keep-alive`, as ab -k sends). */
  let keepAlive10 = false;
  let closeToken = false;
  /** Fields the Connection line names (RFC 9110 7.6.1): removed once all lines are read. */
  let named: Set<string> | undefined;
  let hostLine = -1;
  let kept = "";
  let from = eol0 + 2; // start of the run of lines copied as they are
  const last = head.length - 2;
  for (let pos = eol0 + 2; pos < last;) {
    const eol = head.indexOf("\r\n", pos);
    if (head.charCodeAt(pos) === 32 || head.charCodeAt(pos) === 9) throw new BadHead("400 Bad Request: obs-fold (a field line continued on the next line)");
    // The name is one or more token characters, then the colon (CR is no token: it stops at eol).
    let underscore = false;
    let colon = pos;
    for (let c = head.charCodeAt(colon); c < 128 && TCHAR[c]; c = head.charCodeAt(++colon)) if (c === 95) underscore = true;
    if (colon === pos || head.charCodeAt(colon) !== 58) throw new BadHead("400 Bad Request: malformed field line");
    for (let i = colon + 1; i < eol; i++) {
      const c = head.charCodeAt(i);
      if (c >= 127) {
        if (c === 127) throw new BadHead("400 Bad Request: a control character in a field value");
        h.latin1 = true; // obs-text (RFC 9110 5.5): passed on as the bytes received
      } else if (c < 32 && c !== 9) throw new BadHead("400 Bad Request: a control character in a field value");
    }
    // An underscored name is looked at in full: X_Forwarded_For must not reach a member as ours.
    const name = NAMES.at(head, pos, colon) ?? (underscore ? head.slice(pos, colon).toLowerCase() : forwardedOther(head, pos, colon));
    if (name !== undefined) {
      let drop = true;
      if (name === "host") {
        if (hostLine >= 0) throw new BadHead(BAD_HOST);
        h.hostHeader = value(head, colon, eol);
        kept += head.slice(from, pos);
        hostLine = kept.length;
      } else if (name === "connection") {
        for (const token of head.slice(colon + 1, eol).split(",")) {
          const t = ows(token).toLowerCase();
          if (t === "close") h.close = closeToken = true;
          else if (t === "keep-alive") keepAlive10 = http10;
          else if (t === "upgrade") connectionUpgrade = true;
          else if (t !== "" && !PROTECTED.has(t)) (named ??= new Set()).add(t);
        }
      } else if (name === "x-forwarded-for") h.xForwardedFor = joinValues(h.xForwardedFor, value(head, colon, eol));
      else if (name === "x-forwarded-proto") h.xForwardedProto = joinValues(h.xForwardedProto, value(head, colon, eol));
      else if (name === "x-forwarded-host") h.xForwardedHost = joinValues(h.xForwardedHost, value(head, colon, eol));
      else if (name === "x-forwarded-port") h.xForwardedPort = joinValues(h.xForwardedPort, value(head, colon, eol));
      else if (name === "forwarded" || name === "x-real-ip" || name === X_FORWARDED_OTHER) h.trustedOnly += head.slice(pos, eol + 2);
      else if (name === "content-length") {
        const v = value(head, colon, eol);
        if (h.bodyLength >= 0) throw new BadHead("400 Bad Request: more than one Content-Length");
        if (!DIGITS.test(v)) throw new BadHead("400 Bad Request: invalid Content-Length");
        h.bodyLength = Number(v);
        drop = false;
      } else if (name === "transfer-encoding") {
        // RFC 9112 6.1: chunked is last and only once; HTTP/1.0 has no Transfer-Encoding.
        const codings = value(head, colon, eol).toLowerCase().split(",").map(ows).filter((t) => t !== "");
        if (h.chunked || http10 || codings.at(-1) !== "chunked" || codings.indexOf("chunked") !== codings.length - 1) throw new BadHead(TE_NOT_CHUNKED);
        // Another coding under chunked (gzip, chunked) is 501 (RFC 9112 6.1 SHOULD; NGINX: "unknown
        // transfer encoding"). The member gets the framing the proxy read, spelled one way: a
        // `,chunked`, `\tchunked` or `CHUNKED` it might read otherwise never reaches it.
        if (codings.length !== 1) throw new BadHead(TE_ONLY_CHUNKED, "not_implemented");
        h.chunked = true;
        if (head.startsWith(" chunked\r\n", colon + 1)) drop = false;
        else {
          kept += head.slice(from, pos) + CHUNKED_LINE;
          from = eol + 2;
          drop = false;
        }
      } else if (name === "expect") {
        // RFC 9110 10.1.1: an HTTP/1.0 request's expectation is ignored (and 15.2: no 1xx goes
        // to an HTTP/1.0 client), as NGINX's ngx_http_test_expect does; one we cannot meet is 417.
        if (!http10) {
          if (value(head, colon, eol).toLowerCase() !== "100-continue") throw new BadHead("417 Expectation Failed: only 100-continue is understood", "expectation");
          h.expectContinue = true;
        }
      } else if (name === "upgrade") {
        // RFC 9113 3.1 retired the h2c upgrade: a request offering only it is served as HTTP/1.1.
        if (value(head, colon, eol).toLowerCase() !== "h2c") {
          h.upgrade = true;
          drop = false;
        }
      } else if (name === "authorization") {
        // RFC 9110 11.6.2 allows one; with two, the proxy would check one and the member might
        // read the other (NGINX: "client sent duplicate header line", 400).
        if (h.authorization !== null) throw new BadHead("400 Bad Request: more than one Authorization");
        h.authorization = value(head, colon, eol);
        drop = false;
      } else if (readsAsOurs(name)) drop = true; // X_Forwarded_For, as NGINX drops underscored names
      else if (!HOP.has(name)) {
        drop = false;
        if (name === "user-agent") h.userAgent = value(head, colon, eol);
        else if (name === "referer") h.referer = value(head, colon, eol);
        else if (name === "cookie") h.cookie = h.cookie === null ? value(head, colon, eol) : `${h.cookie}; ${value(head, colon, eol)}`;
      }
      if (drop) {
        if (name !== "host") kept += head.slice(from, pos);
        from = eol + 2;
      }
    }
    pos = eol + 2;
  }
  kept += head.slice(from, last);
  if (keepAlive10 && !closeToken) h.close = false;
  if (h.chunked && h.bodyLength >= 0) throw new BadHead("400 Bad Request: Transfer-Encoding together with Content-Length");
  // RFC 9112 3.2: the 400 is for HTTP/1.1, absolute-form or not (NGINX answers it too). An
  // HTTP/1.0 request without Host (a load balancer's health check) is served by the routes
  // without a host, as NGINX's default server serves it.
  if (hostLine < 0 && !http10) throw new BadHead(BAD_HOST);
  if (authority !== undefined) {
    h.hostHeader = authority;
    if (hostLine < 0) hostLine = kept.length;
  }
  if (hostLine < 0) hostLine = kept.length;
  // RFC 9110 7.8: an Upgrade not named in Connection is ignored (and not forwarded).
  if (h.upgrade && !connectionUpgrade) {
    h.upgrade = false;
    (named ??= new Set()).add("upgrade");
  }
  if (h.upgrade && (h.bodyLength > 0 || h.chunked)) throw new BadHead("400 Bad Request: an Upgrade request with a body is not accepted");
  // An invalid subprotocol offer is answered before any member (RFC 6455 4.1).
  if (h.upgrade && !validOffer(head)) throw new BadHead("400 Bad Request: invalid Sec-WebSocket-Protocol offer");
  const name = h.hostHeader === "" && http10 ? "" : cachedHostName(h.hostHeader);
  if (name === undefined) throw new BadHead(BAD_HOST);
  h.hostName = name;
  h.beforeHost = kept.slice(0, hostLine);
  h.afterHost = kept.slice(hostLine);
  if (named) {
    h.beforeHost = withoutFields(h.beforeHost, named);
    h.afterHost = withoutFields(h.afterHost, named);
  }
  return h;
}


/**
 * The fast lane's request reader: accepts only the plainest HTTP/1.1 request head (the common
 * GET of a browser or API client) and reports everything else as `undefined`, which sends the
 * connection to the full spine behind Bun.serve's parser. Being strict here is the safety
 * property: anything unusual (bodies, Upgrade, Expect, obs-fold, bare LF, non-ASCII, absolute
 * targets, odd Host) never reaches this lane's simpler code.
 */
import { hostName } from "../proxy/host.ts";
import { readsAsOurs } from "../proxy/headers.ts";
import { validProtocols } from "../ws/handshake.ts";

export interface FastHead {
  method: string;
  /** Request target as received: path + query (origin-form only). */
  target: string;
  rawPath: string;
  query: string;
  hostHeader: string;
  hostName: string;
  /** Header lines kept as received (CRLF-terminated), split around the Host line. */
  beforeHost: string;
  afterHost: string;
  userAgent: string | null;
  referer: string | null;
  /** Cookie lines' values, joined with "; " (RFC 6265 5.4), for sticky sessions. */
  cookie: string | null;
  /** Values the client sent, for trusted proxies (several lines joined with ", "). */
  xForwardedFor: string | null;
  xForwardedProto: string | null;
  xForwardedHost: string | null;
  xForwardedPort: string | null;
  /** Forwarded and X-Real-IP lines, kept only when the client is a trusted proxy. */
  trustedOnly: string;
  /** `Connection: close`: answer, then close (RFC 9112 9.6). */
  close: boolean;
  /** Content-Length, or -1 without one. */
  bodyLength: number;
  /** `Transfer-Encoding: chunked` (the only coding the lane takes; the body goes on as received). */
  chunked: boolean;
  /**
   * `Expect: 100-continue`: the front answers 100 itself while it reads the body, and the line
   * is not forwarded (NGINX does the same: the member gets the whole body at once).
   */
  expectContinue: boolean;
  /** An Upgrade request (Upgrade named in Connection, RFC 9110 7.8): a 101 makes it a byte tunnel. */
  upgrade: boolean;
}

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
/** Lines worth a look start with one of these letters; every other line is copied untouched. */
const LOOK = new Uint8Array(128);
for (const c of "cCeEfFhHkKpPrRtTuUxX") LOOK[c.charCodeAt(0)] = 1;
/** Lengths of the names looked at below (host, te, cookie, referer, connection...): others are never sliced. */
const LOOK_LEN = new Uint8Array(32);
for (const n of [2, 4, 6, 7, 9, 10, 14, 15, 16, 17, 18, 19]) LOOK_LEN[n] = 1;

/** Headers that mean "not for the fast lane": a protocol switch, an expectation. */
const SLOW = new Set(["http2-settings"]);
const DIGITS = /^\d{1,15}$/;
/** RFC 9110 7.6.1 hop-by-hop fields (and the classic RFC 2616 list): never forwarded. */
const HOP = new Set(["keep-alive", "proxy-connection", "te", "trailer", "proxy-authenticate", "proxy-authorization"]);

/** Largest head the lane reads; a longer one goes to the spine (which answers 431 if need be). */
export const MAX_FAST_HEAD = 16 * 1024;

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

/** `head` is latin1 text of the bytes up to and including the final CRLFCRLF. */
export function readFastHead(head: string): FastHead | undefined {
  const eol0 = head.indexOf("\r\n");
  const sp1 = head.indexOf(" ");
  if (sp1 <= 0 || sp1 > 16 || eol0 < 0) return undefined;
  for (let i = 0; i < sp1; i++) {
    const c = head.charCodeAt(i);
    if (c < 65 || c > 90) return undefined; // methods as clients send them: upper-case letters
  }
  if (head.charCodeAt(sp1 + 1) !== 47 || head.slice(eol0 - 9, eol0) !== " HTTP/1.1") return undefined;
  const target = head.slice(sp1 + 1, eol0 - 9);
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 32 || c >= 127) return undefined;
  }
  const q = target.indexOf("?");
  const h: FastHead = {
    method: head.slice(0, sp1), target, rawPath: q < 0 ? target : target.slice(0, q), query: q < 0 ? "" : target.slice(q),
    hostHeader: "", hostName: "", beforeHost: "", afterHost: "", userAgent: null, referer: null, cookie: null,
    xForwardedFor: null, xForwardedProto: null, xForwardedHost: null, xForwardedPort: null, trustedOnly: "", close: false, bodyLength: -1, chunked: false, expectContinue: false, upgrade: false,
  };
  let connectionUpgrade = false;
  let hostLine = -1;
  let kept = "";
  let from = eol0 + 2; // start of the run of lines copied as they are
  const last = head.length - 2;
  for (let pos = eol0 + 2; pos < last;) {
    const eol = head.indexOf("\r\n", pos);
    const colon = head.indexOf(":", pos);
    if (colon <= pos || colon > eol) return undefined;
    for (let i = pos; i < colon; i++) {
      const c = head.charCodeAt(i);
      if (c >= 128 || !TCHAR[c]) return undefined; // also rejects obs-fold (a line starting with SP/HTAB)
    }
    for (let i = colon + 1; i < eol; i++) {
      const c = head.charCodeAt(i);
      if ((c < 32 && c !== 9) || c >= 127) return undefined;
    }
    const c0 = head.charCodeAt(pos);
    if (LOOK[c0] && LOOK_LEN[colon - pos]) {
      const name = head.slice(pos, colon).toLowerCase();
      let drop = true;
      if (name === "host") {
        if (hostLine >= 0) return undefined;
        h.hostHeader = value(head, colon, eol);
        kept += head.slice(from, pos);
        hostLine = kept.length;
      } else if (name === "connection") {
        for (const token of head.slice(colon + 1, eol).split(",")) {
          const t = token.trim().toLowerCase();
          if (t === "close") h.close = true;
          else if (t === "upgrade") connectionUpgrade = true;
          else if (t !== "keep-alive" && t !== "") return undefined; // names other headers to drop: the spine does that
        }
      } else if (name === "x-forwarded-for") h.xForwardedFor = join(h.xForwardedFor, value(head, colon, eol));
      else if (name === "x-forwarded-proto") h.xForwardedProto = join(h.xForwardedProto, value(head, colon, eol));
      else if (name === "x-forwarded-host") h.xForwardedHost = join(h.xForwardedHost, value(head, colon, eol));
      else if (name === "x-forwarded-port") h.xForwardedPort = join(h.xForwardedPort, value(head, colon, eol));
      else if (name === "forwarded" || name === "x-real-ip") h.trustedOnly += head.slice(pos, eol + 2);
      else if (name === "content-length") {
        const v = value(head, colon, eol);
        if (h.bodyLength >= 0 || !DIGITS.test(v)) return undefined; // the gate refuses it (request-check.ts)
        h.bodyLength = Number(v);
        drop = false;
      } else if (name === "transfer-encoding") {
        if (h.chunked || value(head, colon, eol).toLowerCase() !== "chunked") return undefined;
        h.chunked = true;
        drop = false;
      } else if (name === "expect") {
        if (value(head, colon, eol).toLowerCase() !== "100-continue") return undefined; // the spine answers other expectations
        h.expectContinue = true;
      } else if (name === "upgrade") {
        h.upgrade = true;
        drop = false;
      } else if (SLOW.has(name)) return undefined;
      else if (readsAsOurs(name)) drop = true; // X_Forwarded_For: dropped, as request-check.ts does
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
  if (hostLine < 0 || (h.chunked && h.bodyLength >= 0)) return undefined;
  // An invalid subprotocol offer is answered 400 by the spine (ws/handshake.ts) before any member.
  if (h.upgrade !== connectionUpgrade || (h.upgrade && (h.bodyLength > 0 || h.chunked || !validOffer(head)))) return undefined;
  const name = cachedHostName(h.hostHeader);
  if (name === undefined) return undefined;
  h.hostName = name;
  h.beforeHost = kept.slice(0, hostLine);
  h.afterHost = kept.slice(hostLine);
  return h;
}

let lastHost = "";
let lastName: string | undefined;
/** Clients of one listener send the same few Host values: the last one's answer is kept. */
function cachedHostName(header: string): string | undefined {
  if (header !== lastHost) {
    lastName = hostName(header);
    lastHost = header;
  }
  return lastName;
}

const OFFER = /\r\nsec-websocket-protocol:([^\r]*)/gi;

/** RFC 6455 4.1: the offered subprotocols (every Sec-WebSocket-Protocol line) are unique tokens. */
function validOffer(head: string): boolean {
  if (!/\r\nsec-websocket-protocol:/i.test(head)) return true;
  const offers: string[] = [];
  for (const m of head.matchAll(OFFER)) for (const p of m[1]!.split(",")) if (p.trim() !== "") offers.push(p.trim());
  return validProtocols(offers);
}

function value(head: string, colon: number, eol: number): string {
  return head.slice(colon + 1, eol).trim();
}

function join(prior: string | null, v: string): string {
  return prior === null ? v : `${prior}, ${v}`;
}

/**
 * The small readers request-head.ts leans on: the HTTP version, Connection-named field
 * removal, the Host name cache and the WebSocket subprotocol offer.
 */
import { hostName } from "../proxy/host.ts";
import { ows } from "../proxy/headers.ts";
import { BadHead } from "./request-check.ts";

/** true for HTTP/1.0; HTTP/1.x above 1 is read as 1.1 (RFC 9110 2.5); another major version is 505. */
export function version(v: string): boolean {
  if (v === "HTTP/1.1") return false;
  if (v === "HTTP/1.0") return true;
  if (!/^HTTP\/\d\.\d$/.test(v)) throw new BadHead("400 Bad Request: malformed request line");
  if (v.charCodeAt(5) !== 49) throw new BadHead(`505 HTTP Version Not Supported: ${v} is not served here`, "version");
  return false;
}

/**
 * Removes the field lines whose (lower-cased) names are in `names`; `lines` is CRLF-terminated
 * lines. `underscores`: `X_User` counts as `X-User` too, the way CGI-style stacks (PHP, WSGI,
 * Rack) read both as HTTP_X_USER.
 */
export function withoutFields(lines: string, names: ReadonlySet<string>, underscores = false): string {
  let out = "";
  for (let pos = 0; pos < lines.length;) {
    const eol = lines.indexOf("\r\n", pos) + 2;
    const colon = lines.indexOf(":", pos);
    const name = lines.slice(pos, colon).toLowerCase();
    if (!names.has(underscores ? name.replaceAll("_", "-") : name)) out += lines.slice(pos, eol);
    pos = eol;
  }
  return out;
}

let lastHost = "";
let lastName: string | undefined;
/** Clients of one listener send the same few Host values: the last one's answer is kept. */
export function cachedHostName(header: string): string | undefined {
  if (header !== lastHost) {
    lastName = hostName(header);
    lastHost = header;
  }
  return lastName;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const OFFER = /\r\nsec-websocket-protocol:([^\r]*)/gi;

/** RFC 6455 4.1: the offered subprotocols (every Sec-WebSocket-Protocol line) are unique tokens. */
export function validOffer(head: string): boolean {
  if (!/\r\nsec-websocket-protocol:/i.test(head)) return true;
  const seen = new Set<string>();
  for (const m of head.matchAll(OFFER)) {
    for (const p of m[1]!.split(",")) {
      const offer = ows(p);
      if (offer === "") continue;
      if (!TOKEN.test(offer) || seen.has(offer.toLowerCase())) return false;
      seen.add(offer.toLowerCase());
    }
  }
  return true;
}

/** A field's value between its colon and line end, without the blanks around it (RFC 9110 5.5 OWS). */
export function value(head: string, colon: number, eol: number): string {
  return ows(head.slice(colon + 1, eol));
}

/** A repeated list field's values as one (RFC 9110 5.3: joined with ", "). */
export function joinValues(prior: string | null, v: string): string {
  return prior === null ? v : `${prior}, ${v}`;
}

import { UpstreamError } from "./errors.ts";

/** How the request body is framed on the wire (RFC 9112 §6). */
export const NO_BODY = -2;
export const CHUNKED = -1;

export interface RequestHead {
  /** The serialized head: a string when pure ASCII (written as-is), else latin1 bytes. */
  bytes: string | Uint8Array;
  /** NO_BODY, CHUNKED, or the exact content-length to stream. */
  bodyLength: number;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Serializes the request head exactly from the given headers. Nothing is
 * added except framing: with a body and no content-length we add
 * `transfer-encoding: chunked` (RFC 9112 §6.1) and drop any given
 * transfer-encoding so it is not sent twice.
 */
export function buildRequestHead(method: string, target: string, headers: Headers, hasBody: boolean): RequestHead {
  let bodyLength = NO_BODY;
  if (hasBody) {
    const cl = headers.get("content-length");
    if (cl === null) {
      bodyLength = CHUNKED;
    } else {
      // RFC 9112 §6.3: a bad content-length would desync the upstream connection.
      if (!/^\d{1,15}$/.test(cl)) throw new UpstreamError("EREQBODY", `invalid request content-length "${cl}"`);
      bodyLength = Number(cl);
    }
  }
  let head = method + " " + target + " HTTP/1.1\r\n";
  if (bodyLength === CHUNKED) {
    for (const [name, value] of headers) {
      if (name !== "transfer-encoding") head += name + ": " + value + "\r\n";
    }
    head += "transfer-encoding: chunked\r\n\r\n";
  } else {
    for (const [name, value] of headers) head += name + ": " + value + "\r\n";
    head += "\r\n";
  }
  // Header values are ByteStrings (chars 0-255): they must go out as latin1,
  // while socket.write(string) would encode UTF-8 and change bytes >= 0x80.
  return { bytes: NON_ASCII.test(head) ? Buffer.from(head, "latin1") : head, bodyLength };
}

const CRLF = new Uint8Array([13, 10]);

/** One write per chunk: size line + data + CRLF in one buffer (RFC 9112 §7.1). */
export function frameChunk(data: Uint8Array): Uint8Array {
  const sizeLine = data.byteLength.toString(16) + "\r\n";
  const out = Buffer.allocUnsafe(sizeLine.length + data.byteLength + 2);
  out.write(sizeLine, 0, "latin1");
  out.set(data, sizeLine.length);
  out.set(CRLF, sizeLine.length + data.byteLength);
  return out;
}

export const LAST_CHUNK = "0\r\n\r\n";

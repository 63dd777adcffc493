/**
 * IP address literals, read as node:net's isIP reads them, without loading node:net: in Bun that
 * module brings the node stream machinery with it, 3 MB of a serving proxy's idle RSS for a
 * syntax check. IPv4 is strict dotted decimal (no leading zeros, RFC 6943 3.1.1); IPv6 is any
 * RFC 4291 2.2 text form, with an IPv4 tail and a zone id (RFC 6874) allowed.
 */

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const V4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const HEX = /^[0-9a-f]{1,4}$/i;

/** The four bytes of a dotted-decimal IPv4 address, or undefined. */
export function ipv4Bytes(text: string): number[] | undefined {
  return V4.test(text) ? text.split(".").map(Number) : undefined;
}

/** 16-bit groups of one side of `::`; an IPv4 tail counts as two. */
function groups(side: string, tailMayBeV4: boolean): number[] | undefined {
  if (side === "") return [];
  const parts = side.split(":");
  const out: number[] = [];
  for (const [i, p] of parts.entries()) {
    const v4 = tailMayBeV4 && i === parts.length - 1 ? ipv4Bytes(p) : undefined;
    if (v4) out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    else if (HEX.test(p)) out.push(parseInt(p, 16));
    else return undefined;
  }
  return out;
}

/** The sixteen bytes of an IPv6 address (its zone id, if any, dropped), or undefined. */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  const zone = text.indexOf("%");
  // node:net's zone id: one or more of [0-9a-zA-Z-.:] (RFC 6874 leaves its syntax to the OS).
  if (zone === 0 || (zone > 0 && !/^[0-9a-zA-Z.:-]+$/.test(text.slice(zone + 1)))) return undefined;
  const addr = zone === -1 ? text : text.slice(0, zone);
  const halves = addr.split("::");
  if (halves.length > 2) return undefined;
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 0xff; });
  return bytes;
}

/** 4, 6 or 0, as node:net's isIP. */
export function isIP(text: string): 0 | 4 | 6 {
  if (ipv4Bytes(text)) return 4;
  return text.includes(":") && ipv6Bytes(text) ? 6 : 0;
}

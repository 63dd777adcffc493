/**
 * IPv4/IPv6 CIDR matching for trustedProxies (X-Forwarded-* is kept only from these), on the
 * address bytes of net/ip.ts (node:net's BlockList would load node:net, 3 MB of idle RSS).
 * IPv4-mapped IPv6 is read as IPv4, the families never match each other (so `::/0` matches no
 * IPv4 client), zone ids (`fe80::1%eth0`) are not addresses, prefix lengths are plain digits.
 */
import { ipv4Bytes, ipv6Bytes, isIP } from "./ip.ts";

export type Family = "ipv4" | "ipv6";
export interface Ip { address: string; family: Family }
export interface Cidr extends Ip { bits: number }

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as Bun reports IPv4 clients on a dual-stack socket) is read as IPv4. */
export function parseIp(text: string): Ip | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped) return parseIp(mapped[1]!);
  if (text.includes("%")) return undefined;
  const v = isIP(text);
  return v === 4 ? { address: text, family: "ipv4" } : v === 6 ? { address: text, family: "ipv6" } : undefined;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.split("/");
  if (extra !== undefined || !addr) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === "ipv4" ? 32 : 128;
  if (len !== undefined && !/^\d+$/.test(len)) return undefined;
  const bits = len === undefined ? max : Number(len);
  if (bits > max) return undefined;
  return { ...ip, bits };
}

function bytesOf(ip: Ip): ArrayLike<number> {
  return (ip.family === "ipv4" ? ipv4Bytes(ip.address) : ipv6Bytes(ip.address))!;
}

/** The first `bits` bits of `a` and `b` are equal. */
function samePrefix(a: ArrayLike<number>, b: ArrayLike<number>, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  return c.family === ip.family && samePrefix(bytesOf(c), bytesOf(ip), c.bits);
}

/** A matcher over a list of CIDRs; their bytes are read once, at compile time. */
export function ipMatcher(cidrs: readonly string[]): (ip: string) => boolean {
  const list = cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined).map((c) => ({ family: c.family, bits: c.bits, bytes: bytesOf(c) }));
  if (list.length === 0) return () => false;
  return (text) => {
    const ip = parseIp(text);
    if (ip === undefined) return false;
    const bytes = bytesOf(ip);
    return list.some((c) => c.family === ip.family && samePrefix(c.bytes, bytes, c.bits));
  };
}

/**
 * IPv4/IPv6 CIDR matching for trustedProxies (X-Forwarded-* is kept only from these), on
 * node:net's isIP and BlockList. What stays here is what they do not decide for us: IPv4-mapped
 * IPv6 is read as IPv4, the families never match each other (BlockList would let `::/0` match
 * an IPv4 client), zone ids (`fe80::1%eth0`) are not addresses, prefix lengths are plain digits.
 */
import { BlockList, isIP } from "node:net";

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

function blockList(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.bits, c.family);
  return list;
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  return c.family === ip.family && blockList([c]).check(ip.address, ip.family);
}

/** A matcher over a list of CIDRs; built once at compile time, one BlockList per family. */
export function ipMatcher(cidrs: readonly string[]): (ip: string) => boolean {
  const list = cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  if (list.length === 0) return () => false;
  const byFamily = {
    ipv4: blockList(list.filter((c) => c.family === "ipv4")),
    ipv6: blockList(list.filter((c) => c.family === "ipv6")),
  };
  return (text) => {
    const ip = parseIp(text);
    return ip !== undefined && byFamily[ip.family].check(ip.address, ip.family);
  };
}

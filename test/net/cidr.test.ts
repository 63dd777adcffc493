import { describe, expect, test } from "bun:test";
import { cidrContains, ipMatcher, parseCidr, parseIp } from "../../src/net/cidr.ts";

const family = (text: string) => parseIp(text)?.family;
const same = (a: string, b: string) => ipMatcher([a])(b) && ipMatcher([b])(a);

describe("parseIp", () => {
  test("IPv4", () => {
    for (const t of ["10.1.2.3", "0.0.0.0", "255.255.255.255"]) expect([t, family(t)]).toEqual([t, "ipv4"]);
  });

  test("IPv6, with and without ::", () => {
    for (const t of ["::1", "::", "1::", "2001:db8::ff:1", "1:2:3:4:5:6:7:8"]) expect([t, family(t)]).toEqual([t, "ipv6"]);
    expect(same("FE80::ABCD", "fe80::abcd")).toBe(true);
    expect(same("fe80:0:0:0:0:0:0:abcd", "fe80::abcd")).toBe(true);
    expect(same("1::", "::1")).toBe(false);
  });

  test("IPv4-mapped IPv6 is read as IPv4 (Bun's dual-stack client addresses)", () => {
    expect(parseIp("::ffff:1.2.3.4")).toEqual({ address: "1.2.3.4", family: "ipv4" });
    expect(parseIp("::FFFF:10.0.0.1")).toEqual({ address: "10.0.0.1", family: "ipv4" });
  });

  test("invalid inputs", () => {
    for (const t of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", "1.2.3.a", "1..2.3", "1.2.3.1234", "localhost", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "gggg::", "12345::", "fe80::1%eth0", ":::", "::ffff:1.2.3"]) {
      expect([t, parseIp(t)]).toEqual([t, undefined]);
    }
  });
});

describe("parseCidr", () => {
  test("a bare address is a full-length prefix", () => {
    expect(parseCidr("1.2.3.4")!.bits).toBe(32);
    expect(parseCidr("::1")!.bits).toBe(128);
    expect(parseCidr("::ffff:1.2.3.4")!.bits).toBe(32);
  });

  test("prefix lengths in range", () => {
    expect(parseCidr("10.0.0.0/8")!.bits).toBe(8);
    expect(parseCidr("0.0.0.0/0")!.bits).toBe(0);
    expect(parseCidr("::/0")!.bits).toBe(0);
    expect(parseCidr("fd00::/8")!.bits).toBe(8);
    expect(parseCidr("2001:db8::/128")!.bits).toBe(128);
  });

  test("invalid CIDRs", () => {
    for (const t of ["", "/8", "10.0.0.0/33", "::1/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0//8", "10.0.0.0/8.5", "10.0.0.0/x", "nonsense", "10.0.0.256/8"]) {
      expect([t, parseCidr(t)]).toEqual([t, undefined]);
    }
  });
});

describe("cidrContains", () => {
  const inside = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);

  test("IPv4 prefixes on and off byte boundaries", () => {
    const cases: [string, string, boolean][] = [
      ["10.0.0.0/8", "10.255.1.2", true],
      ["10.0.0.0/8", "11.0.0.0", false],
      ["172.16.0.0/12", "172.31.255.255", true],
      ["172.16.0.0/12", "172.32.0.0", false],
      ["172.16.0.0/12", "172.15.255.255", false],
      ["192.168.1.0/31", "192.168.1.1", true],
      ["192.168.1.0/31", "192.168.1.2", false],
      ["192.168.1.7/32", "192.168.1.7", true],
      ["192.168.1.7/32", "192.168.1.6", false],
      ["0.0.0.0/0", "203.0.113.9", true],
      ["10.1.2.3/8", "10.9.9.9", true], // host bits in the CIDR are ignored
    ];
    for (const [c, ip, want] of cases) expect([c, ip, inside(c, ip)]).toEqual([c, ip, want]);
  });

  test("IPv6 prefixes", () => {
    const cases: [string, string, boolean][] = [
      ["fd00::/8", "fd12:3456::1", true],
      ["fd00::/8", "fe00::1", false],
      ["2001:db8::/32", "2001:db8:ffff::1", true],
      ["2001:db8::/33", "2001:db8:8000::1", false],
      ["2001:db8::/33", "2001:db8:7fff::1", true],
      ["::1", "::1", true],
      ["::1", "::2", false],
      ["::/0", "2001:db8::1", true],
    ];
    for (const [c, ip, want] of cases) expect([c, ip, inside(c, ip)]).toEqual([c, ip, want]);
  });

  test("families never match each other, not even ::/0 and 0.0.0.0/0", () => {
    expect(inside("::/0", "1.2.3.4")).toBe(false);
    expect(inside("0.0.0.0/0", "::1")).toBe(false);
  });
});

describe("ipMatcher", () => {
  test("matches any listed CIDR; mapped IPv4 clients match IPv4 CIDRs", () => {
    const m = ipMatcher(["10.0.0.0/8", "192.168.0.5", "fd00::/8"]);
    expect(m("10.2.3.4")).toBe(true);
    expect(m("::ffff:10.2.3.4")).toBe(true);
    expect(m("192.168.0.5")).toBe(true);
    expect(m("192.168.0.6")).toBe(false);
    expect(m("fd00::abc")).toBe(true);
    expect(m("::1")).toBe(false);
    expect(m("8.8.8.8")).toBe(false);
  });

  test("an empty list trusts nobody", () => {
    const m = ipMatcher([]);
    expect(m("127.0.0.1")).toBe(false);
    expect(m("::1")).toBe(false);
  });

  test("invalid client addresses never match, even against 0.0.0.0/0 and ::/0", () => {
    const m = ipMatcher(["0.0.0.0/0", "::/0"]);
    expect(m("1.2.3.4")).toBe(true);
    expect(m("::1")).toBe(true);
    for (const ip of ["", "unknown", "1.2.3", "999.1.1.1"]) expect([ip, m(ip)]).toEqual([ip, false]);
  });

  test("invalid entries are skipped (semantics.ts reports them at load)", () => {
    const m = ipMatcher(["nonsense", "10.0.0.0/8"]);
    expect(m("10.0.0.1")).toBe(true);
    expect(ipMatcher(["nonsense"])("10.0.0.1")).toBe(false);
  });
});

describe("parseIp and the :: shorthand", () => {
  test("\"::\" stands for at least one zero group, so 1:2:3:4:5:6:7:8:: is invalid", () => {
    expect(parseIp("1:2:3:4:5:6:7:8::")).toBeUndefined();
    expect(parseIp("::1:2:3:4:5:6:7:8")).toBeUndefined();
  });
});

test("cidrContains agrees with node:net's BlockList on random addresses and prefixes of both families", () => {
  const { BlockList } = require("node:net") as typeof import("node:net");
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const v4 = () => Array.from({ length: 4 }, () => rnd(256)).join(".");
  const v6 = () => Array.from({ length: 8 }, () => (rnd(4) === 0 ? 0 : rnd(65536)).toString(16)).join(":");
  for (let i = 0; i < 2000; i++) {
    const six = i % 2 === 1;
    const net = six ? v6() : v4();
    const bits = rnd(six ? 129 : 33);
    // half the probes share the network's leading bytes, so prefixes both match and miss
    const probe = i % 4 < 2 ? net.replace(six ? /[^:]+$/ : /\d+$/, six ? rnd(65536).toString(16) : String(rnd(256))) : six ? v6() : v4();
    const list = new BlockList();
    list.addSubnet(net, bits, six ? "ipv6" : "ipv4");
    const c = parseCidr(`${net}/${bits}`)!, ip = parseIp(probe)!;
    expect([net, bits, probe, cidrContains(c, ip)]).toEqual([net, bits, probe, list.check(probe, six ? "ipv6" : "ipv4")]);
  }
});

import { describe, expect, test } from "bun:test";
import { cidrContains, ipMatcher, parseCidr, parseIp } from "../../src/net/cidr.ts";

const bytes = (text: string) => {
  const b = parseIp(text);
  return b === undefined ? undefined : [...b];
};

describe("parseIp", () => {
  test("IPv4", () => {
    expect(bytes("10.1.2.3")).toEqual([10, 1, 2, 3]);
    expect(bytes("0.0.0.0")).toEqual([0, 0, 0, 0]);
    expect(bytes("255.255.255.255")).toEqual([255, 255, 255, 255]);
  });

  test("IPv6, with and without ::", () => {
    expect(bytes("::1")).toEqual([...Array(15).fill(0), 1]);
    expect(bytes("::")).toEqual(Array(16).fill(0));
    expect(bytes("1::")).toEqual([0, 1, ...Array(14).fill(0)]);
    expect(bytes("2001:db8::ff:1")).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 1]);
    expect(bytes("1:2:3:4:5:6:7:8")).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(bytes("FE80::ABCD")).toEqual(bytes("fe80::abcd"));
    expect(bytes("fe80:0:0:0:0:0:0:abcd")).toEqual(bytes("fe80::abcd"));
  });

  test("IPv4-mapped IPv6 is read as IPv4 (Bun's dual-stack client addresses)", () => {
    expect(bytes("::ffff:1.2.3.4")).toEqual([1, 2, 3, 4]);
    expect(bytes("::FFFF:10.0.0.1")).toEqual([10, 0, 0, 1]);
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

describe("fixed: parseIp accepts an IPv6 address with :: and eight groups", () => {
  test("\"::\" stands for at least one zero group, so 1:2:3:4:5:6:7:8:: is invalid", () => {
    expect(parseIp("1:2:3:4:5:6:7:8::")).toBeUndefined();
    expect(parseIp("::1:2:3:4:5:6:7:8")).toBeUndefined();
  });
});

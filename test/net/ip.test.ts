import { expect, test } from "bun:test";
import { isIP as nodeIsIP } from "node:net";
import { ipv4Bytes, ipv6Bytes, isIP } from "../../src/net/ip.ts";

const CASES = [
  "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "1..2.3", "a.b.c.d", "1.2.3.04",
  "::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8",
  "1:::2", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "12345::", "g::1", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
  "::1.2.3.4:5", "1.2.3.4::", "fe80::1%eth0", "fe80::1%", "fe80::1%%", "fe80::1%eth 0", "fe80::1%/x", "fe80::1%a.b:c-1", "%eth0", "FE80::ABCD", "2001:db8::", "2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:256.1.1.1",
  "", ":", "localhost", "example.com", "[::1]", "1::2::3",
];

test("isIP answers as node:net's isIP for addresses, near-addresses and names", () => {
  for (const c of CASES) expect([c, isIP(c)]).toEqual([c, nodeIsIP(c) as 0 | 4 | 6]);
});

test("an IPv4 address reads as its four bytes", () => {
  expect(ipv4Bytes("192.168.0.255")).toEqual([192, 168, 0, 255]);
  expect(ipv4Bytes("192.168.0")).toBeUndefined();
});

test("an IPv6 address reads as sixteen bytes, :: filled with zeros, an IPv4 tail as its last four, the zone dropped", () => {
  expect([...ipv6Bytes("2001:db8::1")!]).toEqual([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]);
  expect([...ipv6Bytes("::ffff:10.0.0.1")!]).toEqual([...new Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]);
  expect([...ipv6Bytes("fe80::1%eth0")!]).toEqual([...ipv6Bytes("fe80::1")!]);
  expect(ipv6Bytes("1:2:3:4:5:6:7:8:9")).toBeUndefined();
});

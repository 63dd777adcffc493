import { describe, expect, test } from "bun:test";
import { hostName } from "../../src/proxy/host.ts";

describe("hostName", () => {
  test("valid names, lower-cased, without port", () => {
    const cases: [string, string][] = [
      ["example.com", "example.com"],
      ["Example.COM", "example.com"],
      ["SSO.Example.com:8443", "sso.example.com"],
      ["localhost", "localhost"],
      ["a", "a"],
      ["a_b.internal", "a_b.internal"],
      ["my-host.example", "my-host.example"],
      ["127.0.0.1", "127.0.0.1"],
      ["127.0.0.1:80", "127.0.0.1"],
      ["example.com:1", "example.com"],
      ["example.com:65535", "example.com"],
    ];
    for (const [h, want] of cases) expect([h, hostName(h)]).toEqual([h, want]);
  });

  test("IPv6 literals keep their brackets and are lowered", () => {
    const cases: [string, string][] = [
      ["[::1]", "[::1]"],
      ["[::1]:8443", "[::1]"],
      ["[2001:DB8::1]:80", "[2001:db8::1]"],
      ["[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]"],
    ];
    for (const [h, want] of cases) expect([h, hostName(h)]).toEqual([h, want]);
  });

  test("a trailing dot is dropped, with or without port", () => {
    expect(hostName("example.com.")).toBe("example.com");
    expect(hostName("Example.com.:443")).toBe("example.com");
  });

  test("invalid values: undefined (the handler answers 400)", () => {
    const bad: (string | null)[] = [
      "a b",
      "a, b", // Bun merges repeated Host lines into one comma-joined value
      "a,b",
      "",
      null,
      "a:b:c",
      "host:99999x",
      "host:123456",
      ":80",
      "::1",
      "[::1",
      "[::1]x",
      "[]",
      "-a",
      "a-",
      ".a",
      "a/b",
      "a@b",
      "user@example.com",
      "a\tb",
      "é.com",
      "x".repeat(256),
    ];
    for (const h of bad) expect([h, hostName(h)]).toEqual([h, undefined]);
  });

  test("255 characters is the longest accepted value", () => {
    expect(hostName("x".repeat(255))).toBe("x".repeat(255));
    expect(hostName("x".repeat(251) + ":443")).toBe("x".repeat(251));
  });
});

describe("fixed: hostName accepts some invalid Host values", () => {
  test("an empty port is the default port (RFC 3986 3.2.3, as NGINX reads it)", () => {
    expect([hostName("host:"), hostName("Host.Test.:"), hostName("[::1]:")]).toEqual(["host", "host.test", "[::1]"]);
  });

  test("a port above 65535 is not a port", () => {
    expect(hostName("host:99999")).toBeUndefined();
    expect(hostName("host:65536")).toBeUndefined();
  });

  test("an empty label is not a name", () => {
    expect(hostName("a..b")).toBeUndefined();
  });
});

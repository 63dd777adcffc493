import { expect, test } from "bun:test";
import { isLoopback, parseHostPort } from "../../src/net/host-port.ts";

test("host:port with bracketed IPv6; loopback is 127/8, ::1 and localhost", () => {
  expect(parseHostPort("127.0.0.1:9090")).toEqual({ host: "127.0.0.1", port: 9090 });
  expect(parseHostPort("[::1]:9090")).toEqual({ host: "::1", port: 9090 });
  for (const bad of ["9090", "::1:9090", "a:99999", "a b:1"]) expect(parseHostPort(bad)).toBeUndefined();
  expect(["127.1.2.3", "::1", "localhost"].every(isLoopback)).toBe(true);
  expect(["0.0.0.0", "10.0.0.1", "::", "example.com"].some(isLoopback)).toBe(false);
});

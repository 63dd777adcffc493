// Where the dialer and the response reader throw these is in dial.test.ts, probe.test.ts and
// front/response-head.test.ts; here, what callers read from them and the split between the two.
import { describe, expect, test } from "bun:test";
import { ConnectError, UpstreamError } from "../../src/upstream/errors.ts";

describe.each([
  ["ConnectError", ConnectError, "ECONNREFUSED", "connect to 127.0.0.1:1 refused"],
  ["UpstreamError", UpstreamError, "ETRUNCATED", "upstream closed the connection mid-body"],
] as const)("%s", (name, Kind, code, message) => {
  test("an Error with its own name, code and message", () => {
    const e = new Kind(code, message);
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.message]).toEqual([name, code, message]);
    expect(String(e)).toBe(`${name}: ${message}`);
  });

  test("keeps the underlying error as its cause", () => {
    const cause = new Error("socket hang up");
    expect(new Kind(code, message, { cause }).cause).toBe(cause);
    expect(new Kind(code, message).cause).toBeUndefined();
  });
});

test("the two never pass for each other: a connect failure may be retried, an upstream one not", () => {
  const connect = new ConnectError("ETIMEDOUT", "connect timed out");
  const upstream = new UpstreamError("ETIMEDOUT", "no response in time");
  expect([connect instanceof UpstreamError, upstream instanceof ConnectError]).toEqual([false, false]);
});

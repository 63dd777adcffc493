import { expect, test } from "bun:test";
import { isSendableCode, relayClose, truncateReason } from "../../src/ws/close-codes.ts";

test("sendable codes follow RFC 6455 7.4 and the IANA registry", () => {
  for (const c of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999]) expect(isSendableCode(c)).toBe(true);
  for (const c of [0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000]) expect(isSendableCode(c)).toBe(false);
});

test("unsendable codes are mapped per direction", () => {
  expect(relayClose(4001, "bye", "client")).toEqual({ code: 4001, reason: "bye" });
  expect(relayClose(1005, "", "client")).toEqual({ code: undefined, reason: "" });
  expect(relayClose(1005, "", "upstream")).toEqual({ code: undefined, reason: "" });
  expect(relayClose(1006, "x", "upstream")).toEqual({ code: 1011, reason: "upstream connection lost" });
  expect(relayClose(1006, "x", "client")).toEqual({ code: 1001, reason: "client connection lost" });
  expect(relayClose(1015, "", "upstream").code).toBe(1011);
});

test("reasons are cut to 123 bytes at a character boundary", () => {
  expect(truncateReason("ok")).toBe("ok");
  const cut = truncateReason("é".repeat(100));
  expect(Buffer.byteLength(cut)).toBe(122);
  expect(cut).toBe("é".repeat(61));
});

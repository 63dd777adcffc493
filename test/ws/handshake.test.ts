import { expect, test } from "bun:test";
import { offeredProtocols, refusedStatus, upstreamHeaders, validProtocols } from "../../src/ws/handshake.ts";

test("hop-by-hop and Sec-WebSocket-* headers are not forwarded; the rest is", () => {
  const h = new Headers({
    Connection: "Upgrade, X-Hop", Upgrade: "websocket", "X-Hop": "1", "Keep-Alive": "5",
    "Sec-WebSocket-Key": "k", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Extensions": "permessage-deflate",
    "Sec-WebSocket-Protocol": "a", Cookie: "sid=1", "X-Forwarded-For": "10.0.0.1", Origin: "https://app.example",
  });
  expect([...upstreamHeaders(h).keys()].sort()).toEqual(["cookie", "origin", "x-forwarded-for"]);
});

test("offered subprotocols are parsed in order", () => {
  const req = new Request("http://x/", { headers: { "Sec-WebSocket-Protocol": "chat.v2 , chat.v1,," } });
  expect(offeredProtocols(req)).toEqual(["chat.v2", "chat.v1"]);
  expect(offeredProtocols(new Request("http://x/"))).toEqual([]);
});

test("a refused handshake's status is read from Bun's error text", () => {
  expect(refusedStatus("WebSocket connection to 'ws://h/x' failed: Expected 101 status code: 403")).toBe(403);
  expect(refusedStatus("... failed: Expected 101 status code: 301")).toBeUndefined();
  expect(refusedStatus("... failed: Failed to connect")).toBeUndefined();
});

test("an offer Bun's WebSocket would throw on is invalid: duplicates (any case) and non-tokens", () => {
  expect(validProtocols([])).toBe(true);
  expect(validProtocols(["chat.v1", "chat.v2", "x!#$%&'*+-.^_`|~9"])).toBe(true);
  for (const bad of [["a", "a"], ["a", "A"], ["a b"], ["\x7f"], ["é"], ["a;b"], ["a/b"], ["{x}"]]) {
    expect(validProtocols(bad)).toBe(false);
    // The same offers make Bun's constructor throw, which is what the check exists to prevent.
    expect(() => new WebSocket("ws://127.0.0.1:9/", { protocols: bad } as never)).toThrow();
  }
});

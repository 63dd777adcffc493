import { expect, test } from "bun:test";
import { BODY, HEAD, NONE } from "../../src/front/client-deadline.ts";
import type { FrontContext } from "../../src/front/front-context.ts";
import { BadHead } from "../../src/front/request-check.ts";
import { SpineLink } from "../../src/front/spine-link.ts";
import { TunnelRegistry } from "../../src/front/tunnel.ts";

const ctx = { registry: new TunnelRegistry(), internalPort: 1 } as unknown as FrontContext;
function client() {
  const sent: string[] = [];
  return { sent, c: { ip: "1.2.3.4", send: (b: Uint8Array) => { sent.push(Buffer.from(b).toString()); return true; }, pauseReading() {}, resumeReading() {}, tunnelClosed() {} } };
}

test("a refused head opens no tunnel and comes back as the refusal", () => {
  const { c } = client();
  const link = new SpineLink(c, ctx, false);
  expect(link.feed(Buffer.from("GET  / HTTP/1.1\r\n\r\n"))).toBeInstanceOf(BadHead);
  expect(link.tunnel).toBeUndefined();
});

test("a held body with Expect: 100-continue gets one 100, unless the lane sent it; deadlines follow the gate", () => {
  const { c, sent } = client();
  const link = new SpineLink(c, ctx, false);
  expect(link.feed(Buffer.from("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"))).toBeUndefined();
  expect(sent).toEqual(["HTTP/1.1 100 Continue\r\n\r\n"]);
  expect(link.deadline).toBe(BODY);
  const other = client();
  const done = new SpineLink(other.c, ctx, true);
  done.feed(Buffer.from("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nab"));
  expect(other.sent).toEqual([]);
  expect(new SpineLink(client().c, ctx, false).deadline).toBe(NONE);
  const partial = new SpineLink(client().c, ctx, false);
  partial.feed(Buffer.from("GET / HT"));
  expect(partial.deadline).toBe(HEAD);
});

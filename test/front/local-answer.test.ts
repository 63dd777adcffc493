import { expect, test } from "bun:test";
import type { RuntimeRoute } from "../../src/config/runtime.ts";
import { errorAnswer, routeAnswer } from "../../src/front/local-answer.ts";
import { readFastHead } from "../../src/front/request-head.ts";

const head = (method = "GET", extra = "") => readFastHead(`${method} /x HTTP/1.1\r\nHost: a\r\n${extra}\r\n`)!;
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const route = (action: RuntimeRoute["action"]) => ({ label: "/x", action }) as RuntimeRoute;

test("a respond route: status, its headers, a default content type, length and body", () => {
  const a = routeAnswer(route({ kind: "respond", status: 503, body: "down", bodyBytes: 4, headers: { "X-A": "1" } }), head())!;
  expect(text(a.bytes)).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\nX-A: 1\r\ncontent-type: text\/plain;charset=utf-8\r\ndate: .+\r\ncontent-length: 4\r\n\r\ndown$/);
  expect([a.status, a.bodyBytes, a.route]).toEqual([503, 4, "/x"]);
});

test("HEAD gets the head only; 204 has no length; a redirect its Location; Connection: close is echoed", () => {
  const r = route({ kind: "respond", status: 200, body: "hi", bodyBytes: 2, headers: { "content-type": "text/html" } });
  const a = routeAnswer(r, head("HEAD"))!;
  expect(text(a.bytes)).toEndWith("content-length: 2\r\n\r\n");
  expect(text(a.bytes)).not.toContain("text/plain");
  expect(a.bodyBytes).toBe(0);
  expect(text(routeAnswer(route({ kind: "respond", status: 204, body: "", bodyBytes: 0, headers: {} }), head())!.bytes)).not.toContain("content-length");
  const redirect = text(routeAnswer(route({ kind: "redirect", to: "https://n/", status: 301 }), head("GET", "Connection: close\r\n"))!.bytes);
  expect(redirect).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\nlocation: https:\/\/n\/\r\n/);
  expect(redirect).toContain("connection: close\r\n");
});

test("an error answer is errorBytes', body bytes counted, none for HEAD", () => {
  const route = { label: "/x" } as RuntimeRoute;
  const a = errorAnswer("forbidden", "403 Forbidden: no", head(), route);
  expect([a.route, a.counted]).toEqual(["/x", route]);
  expect([errorAnswer("no_route", "404 Not Found", head()).route, errorAnswer("no_route", "404 Not Found", head()).counted]).toEqual(["-", undefined]);
  expect(text(a.bytes)).toStartWith("HTTP/1.1 403 Forbidden\r\n");
  expect(text(a.bytes)).toEndWith("\r\n\r\n403 Forbidden: no\n");
  expect(a.bodyBytes).toBe("403 Forbidden: no\n".length);
  expect(errorAnswer("forbidden", "403 Forbidden: no", head("HEAD"), route).bodyBytes).toBe(0);
});

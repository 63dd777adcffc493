import { expect, test } from "bun:test";
import type { RuntimeRoute } from "../../src/config/runtime.ts";
import { errorAnswer, keptPath, routeAnswer } from "../../src/front/local-answer.ts";
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
  const redirect = text(routeAnswer(route({ kind: "redirect", to: "https://n/", status: 301, keepPath: false }), head("GET", "Connection: close\r\n"))!.bytes);
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

test("keepPath: the path after the route's prefix and the query follow `to`, joined with one slash (Apache Redirect)", () => {
  expect(keptPath("https://new/x", "/a/b", "?q=1")).toBe("https://new/x/a/b?q=1");
  expect(keptPath("https://new/x/", "/a", "")).toBe("https://new/x/a");
  expect(keptPath("https://new/x/", "a", "")).toBe("https://new/x/a"); // route path "/old/"
  expect(keptPath("https://new", "a", "")).toBe("https://new/a");
  expect(keptPath("https://new/", "", "?q")).toBe("https://new/?q"); // the prefix itself
  const r = { label: "/old", path: "/old", action: { kind: "redirect", to: "https://new.example/x", status: 301, keepPath: true } } as unknown as RuntimeRoute;
  const h = readFastHead("GET /old/./a%20b?q=1 HTTP/1.1\r\nHost: a\r\n\r\n")!;
  // The location is built from the path the route matched (normalized), not the raw one.
  expect(text(routeAnswer(r, h, true, "/old/a%20b").bytes)).toContain("location: https://new.example/x/a%20b?q=1\r\n");
  const fixed = { ...r, action: { ...r.action, keepPath: false } } as RuntimeRoute;
  expect(text(routeAnswer(fixed, h, true, "/old/a%20b").bytes)).toContain("location: https://new.example/x\r\n");
});

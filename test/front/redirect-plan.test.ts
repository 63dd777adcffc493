import { expect, test } from "bun:test";
import { LocalAnswer } from "../../src/front/local-answer.ts";
import { redirectLanes } from "../../src/front/redirect-plan.ts";
import { readFastHead } from "../../src/front/request-head.ts";

const head = (host: string, extra = "") => readFastHead(`GET /a/b?q=1 HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`)!;

test("every request is redirected to the same host, path and query on HTTPS", () => {
  const a = redirectLanes({ port: 8443, status: 301 }).plan(head("App.Example.com:8080")) as LocalAnswer;
  expect(a).toBeInstanceOf(LocalAnswer);
  expect(a.status).toBe(301);
  expect(Buffer.from(a.bytes).toString("latin1")).toContain("location: https://app.example.com:8443/a/b?q=1\r\n");
  const b = redirectLanes({ port: 443, status: 308 }).plan(head("a.test")) as LocalAnswer;
  expect(Buffer.from(b.bytes).toString("latin1")).toContain("location: https://a.test/a/b?q=1\r\n");
});

test("a request with a body is redirected too (the connection reads or skips the body, client-conn.ts)", () => {
  expect((redirectLanes({ port: 443, status: 301 }).plan(head("a.test", "Content-Length: 2\r\n")) as LocalAnswer).status).toBe(301);
});

test("an HTTP/1.0 request without Host names no host to redirect to: 400, closed, the body counted", () => {
  const a = redirectLanes({ port: 443, status: 301 }).plan(readFastHead("GET /a HTTP/1.0\r\n\r\n")) as LocalAnswer;
  const text = Buffer.from(a.bytes).toString("latin1");
  expect(a.status).toBe(400);
  expect(text).toContain("connection: close\r\n");
  expect(a.bodyBytes).toBe(text.length - text.indexOf("\r\n\r\n") - 4);
});

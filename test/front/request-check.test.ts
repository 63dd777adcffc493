import { expect, test } from "bun:test";
import { BadHead, refusedEntry, requestLineParts } from "../../src/front/request-check.ts";
import { readFastHead } from "../../src/front/request-head.ts";

test("a BadHead carries the answer's kind (400 by default) and its text", () => {
  expect(new BadHead("400 Bad Request: x").kind).toBe("bad_request");
  const e = new BadHead("431 Request Header Fields Too Large", "head_too_large");
  expect([e.kind, e.message]).toEqual(["head_too_large", "431 Request Header Fields Too Large"]);
});

test("a refused request's access line has no route, pool or member, only its status and client", () => {
  expect(refusedEntry("192.0.2.1", 408)).toMatchObject({ clientIp: "192.0.2.1", status: 408, route: "-", pool: "", member: "", method: "-", target: "-" });
});

test("with the head it read, the line names the request as the client sent it", () => {
  const h = readFastHead("POST /up HTTP/1.0\r\nHost: a.test\r\nUser-Agent: t\r\n\r\n");
  expect(refusedEntry("192.0.2.1", 400, h)).toMatchObject({ method: "POST", target: "/up", protocol: "HTTP/1.0", host: "a.test", userAgent: "t", route: "-" });
});

test("a head refused whole still names its request line as sent; a line that is not three words names nothing", () => {
  expect(requestLineParts("GET /probe HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).toEqual({ method: "GET", target: "/probe", protocol: "HTTP/1.1" });
  expect(requestLineParts("GET / HTTP/2.0\r\n\r\n")!.protocol).toBe("HTTP/2.0");
  for (const head of ["GET  / HTTP/1.1\r\n\r\n", "GARBAGE\r\n\r\n", "\r\n\r\n"]) expect(requestLineParts(head)).toBeUndefined();
  expect(refusedEntry("192.0.2.1", 400, requestLineParts("PUT /x HTTP/1.1\r\nX: \x01\r\n\r\n"))).toMatchObject({ method: "PUT", target: "/x", protocol: "HTTP/1.1", host: "-" });
});

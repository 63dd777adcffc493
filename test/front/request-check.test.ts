import { describe, expect, test } from "bun:test";
import { BadHead, CHUNKED, checkHead, LENGTH, NO_BODY } from "../../src/front/request-check.ts";
import { readsAsOurs } from "../../src/proxy/headers.ts";

const check = (head: string) => checkHead(head, Buffer.from(head, "latin1"));
const refused = (head: string) => expect(() => check(head)).toThrow(BadHead);

describe("checkHead", () => {
  test("framing: none, Content-Length, chunked", () => {
    expect(check("GET / HTTP/1.1\r\nHost: a\r\n\r\n").framing).toBe(NO_BODY);
    expect(check("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n")).toMatchObject({ framing: LENGTH, length: 7, method: "POST", target: "/" });
    expect(check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n").framing).toBe(CHUNKED);
    expect(check("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").framing).toBe(NO_BODY);
  });
  test("Upgrade and Expect: 100-continue are reported", () => {
    expect(check("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").upgrade).toBe(true);
    expect(check("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n").expectContinue).toBe(true);
  });
  test("malformed request lines", () => {
    for (const line of ["GET  / HTTP/1.1", "GET\t/ HTTP/1.1", "GET / http/1.1", "GET / HTTP/1.1 ", "GET /", "G(T / HTTP/1.1", "GET / HTTP/11"]) refused(`${line}\r\nHost: a\r\n\r\n`);
  });
  test("field lines: controls, DEL, obs-fold, bare LF or CR, a space before the colon", () => {
    for (const f of ["X: a\x7fb", "X: a\x00b", "X: a\x1bb", "X : a", "X:a\r\n b", "X: a\nY: b", "X: a\rb"]) refused(`GET / HTTP/1.1\r\n${f}\r\n\r\n`);
    expect(check("GET / HTTP/1.1\r\nX: tab\there \xe9\r\n\r\n").framing).toBe(NO_BODY); // HTAB and obs-text are allowed
  });
  test("ambiguous framing (RFC 9112 6.3)", () => {
    for (const f of ["Content-Length: 1\r\nTransfer-Encoding: chunked", "Content-Length: 1\r\nContent-Length: 1", "Content-Length: 1, 1",
      "Content-Length: -1", "Transfer-Encoding: chunked, identity", "Transfer-Encoding: identity", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"]) {
      refused(`POST / HTTP/1.1\r\n${f}\r\n\r\n`);
    }
    refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
  });
  test("underscored spellings of the proxy's fields are dropped, others kept", () => {
    const h = check("GET / HTTP/1.1\r\nX_Forwarded_For: 1\r\nMy_Name: k\r\ncontent_length: 9\r\nHost: a\r\n\r\n");
    expect(Buffer.from(h.bytes).toString("latin1")).toBe("GET / HTTP/1.1\r\nMy_Name: k\r\nHost: a\r\n\r\n");
    expect(readsAsOurs("x_real_ip")).toBe(true);
    expect(readsAsOurs("x-real-ip")).toBe(false);
    expect(readsAsOurs("my_name")).toBe(false);
  });
});

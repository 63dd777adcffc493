import { expect, test } from "bun:test";
import { Member } from "../../src/balancer/member.ts";
import { Pool } from "../../src/balancer/pool.ts";
import type { RuntimePool } from "../../src/config/runtime.ts";
import { IDEMPOTENT, noMember, tryFailure } from "../../src/front/try-failure.ts";
import { ConnectError, UpstreamError } from "../../src/upstream/errors.ts";

const member = (url = "http://127.0.0.1:9") => new Member({ url, weight: 1, route: url, standby: false, state: "active" });

test("the idempotent methods are RFC 9110's: GET HEAD OPTIONS PUT DELETE TRACE", () => {
  expect([...IDEMPOTENT].sort()).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"]);
  for (const method of ["POST", "PATCH", "CONNECT", "get"]) expect(IDEMPOTENT.has(method)).toBe(false);
});

test("a connection never made may go to another member whatever the method; the answer is a 502", () => {
  const f = tryFailure(new ConnectError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9"), false, "POST", "p");
  expect(f).toEqual({
    reason: "connect failed: connect ECONNREFUSED 127.0.0.1:9",
    retryable: true,
    answer: ["upstream", "502 Bad Gateway: upstream error from pool p"],
  });
});

test("a member's alert about the client certificate reads as the setting, in the handshake (TLS 1.2) or after it (TLS 1.3)", () => {
  const alert = "TLS: error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA";
  expect(tryFailure(new ConnectError("ETLS", alert), false, "GET", "p").reason).toBe("connect failed: TLS: the member refused the client certificate in tls.cert (is it from a CA the member trusts, and still valid?) (TLSV1_ALERT_UNKNOWN_CA)");
  expect(tryFailure(new UpstreamError("ECONNRESET", alert), true, "GET", "p").reason).toStartWith("upstream error: TLS: the member refused the client certificate in tls.cert");
});

test("a connect timeout is a 502 naming the pool (the request never reached a member), retryable for any method", () => {
  const f = tryFailure(new ConnectError("ETIMEDOUT", "connect to 127.0.0.1:9 timed out after 1000 ms"), false, "PATCH", "p");
  expect(f).toEqual({
    reason: "connect failed: connect to 127.0.0.1:9 timed out after 1000 ms",
    retryable: true,
    answer: ["upstream", "502 Bad Gateway: could not connect to a member of pool p in time"],
  });
});

test("a response timeout is a 504 naming the pool, not the member's address, retried only for idempotent methods", () => {
  const timeout = new UpstreamError("ETIMEDOUT", "upstream response timeout");
  const get = tryFailure(timeout, true, "GET", "p");
  expect(get).toEqual({
    reason: "upstream response timeout",
    retryable: true,
    answer: ["timeout", "504 Gateway Timeout: a member of pool p did not answer in time"],
  });
  expect(tryFailure(timeout, true, "POST", "p").retryable).toBe(false);
});

test("any other failure after connecting is a 502, retried only for idempotent methods", () => {
  const reset = new UpstreamError("ECONNRESET", "upstream closed the connection before responding");
  for (const method of ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]) expect(tryFailure(reset, true, method, "p").retryable).toBe(true);
  for (const method of ["POST", "PATCH"]) expect(tryFailure(reset, true, method, "p").retryable).toBe(false);
  expect(tryFailure(reset, true, "POST", "p")).toEqual({
    reason: "upstream error: upstream closed the connection before responding",
    retryable: false,
    answer: ["upstream", "502 Bad Gateway: upstream error from pool p"],
  });
  expect(tryFailure(new Error("boom"), true, "GET", "p").reason).toBe("upstream error: boom");
});

test("a timeout code on an error of neither upstream type is a plain 502", () => {
  const e = Object.assign(new Error("socket timed out"), { code: "ETIMEDOUT" });
  expect(tryFailure(e, true, "GET", "p").answer).toEqual(["upstream", "502 Bad Gateway: upstream error from pool p"]);
});

function runtimePool(members: Member[]): RuntimePool {
  return { name: "web", pool: new Pool("web", members, { pick: (c) => c[0] }) } as unknown as RuntimePool;
}

test("no member available before any try: 503", () => {
  const down = member("http://127.0.0.1:1");
  down.healthy = false;
  expect(noMember(runtimePool([down]), new Set())).toEqual(["unavailable", "503 Service Unavailable: no member of pool web is available"]);
});

test("none tried while one is available (the session's member was down at the first try): the failover-off 503", () => {
  const down = member("http://127.0.0.1:1"), up = member("http://127.0.0.1:2");
  down.healthy = false;
  expect(noMember(runtimePool([down, up]), new Set())).toEqual(["unavailable", "503 Service Unavailable: the session's member of pool web is unavailable and failover is off"]);
});

test("every available member tried and failed: 502, unavailable ones untried or not", () => {
  const a = member("http://127.0.0.1:1"), b = member("http://127.0.0.1:2"), down = member("http://127.0.0.1:3"), off = member("http://127.0.0.1:4");
  down.healthy = false;
  off.state = "disabled";
  expect(noMember(runtimePool([a, b, down, off]), new Set([a, b]))).toEqual(["upstream", "502 Bad Gateway: every member of pool web that was tried failed"]);
});

test("an available member left untried (a sticky session without failover): 503", () => {
  const a = member("http://127.0.0.1:1"), b = member("http://127.0.0.1:2");
  expect(noMember(runtimePool([a, b]), new Set([a]))).toEqual(["unavailable", "503 Service Unavailable: the session's member of pool web is unavailable and failover is off"]);
  b.state = "drain"; // drain takes no new requests: it does not count as available
  expect(noMember(runtimePool([a, b]), new Set([a]))[0]).toBe("upstream");
});

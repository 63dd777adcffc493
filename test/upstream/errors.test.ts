// Where the dialer and the response reader throw these is in dial.test.ts, probe.test.ts and
// front/response-head.test.ts; here, what callers read from them and the split between the two.
import { describe, expect, test } from "bun:test";
import { ConnectError, tlsAlertReason, tlsVerifyReason, UpstreamError } from "../../src/upstream/errors.ts";

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

test("a failed certificate check reads as the setting that fixes it, with OpenSSL's code; unknown codes keep their text", () => {
  expect(tlsVerifyReason("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate", "a.test")).toBe("its certificate is self-signed; give that certificate as tls.ca to trust it (DEPTH_ZERO_SELF_SIGNED_CERT)");
  expect(tlsVerifyReason("ERR_TLS_CERT_ALTNAME_INVALID", "IP: 127.0.0.1 is not in the cert's list: ", "127.0.0.1")).toStartWith("its certificate is not for 127.0.0.1;");
  expect(tlsVerifyReason("CERT_HAS_EXPIRED", "certificate has expired", "a.test")).toBe("certificate has expired");
});

test("a member's alerts about the client certificate name tls.cert, a TLS 1.2 handshake_failure names it beside a version or cipher mismatch; other messages pass unchanged", () => {
  expect(tlsAlertReason("error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED")).toBe("TLS: the member asks for a client certificate; give it as tls.cert and tls.key (TLSV1_ALERT_CERTIFICATE_REQUIRED)");
  expect(tlsAlertReason("error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA")).toBe("TLS: the member refused the client certificate in tls.cert (is it from a CA the member trusts, and still valid?) (TLSV1_ALERT_UNKNOWN_CA)");
  expect(tlsAlertReason("error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE")).toBe("TLS: the member refused the handshake: it wants a client certificate (give it as tls.cert and tls.key), or it shares no TLS version (the proxy speaks 1.2 and 1.3) or cipher with the proxy (SSLV3_ALERT_HANDSHAKE_FAILURE)");
  expect(tlsAlertReason("error:...:SSLV3_ALERT_ILLEGAL_PARAMETER")).toBe("error:...:SSLV3_ALERT_ILLEGAL_PARAMETER");
  expect(tlsAlertReason("socket closed")).toBe("socket closed");
});

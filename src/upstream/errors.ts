/**
 * Error types of the upstream client. The split matters to the proxy: a
 * ConnectError means the request never left this process, so it is safe to
 * retry on another member; an UpstreamError means the request may have reached
 * the upstream (or its response was unusable), so it maps to 502 and no retry.
 */

/** The TCP connection was never established (refused, timed out, DNS, ...). */
export class ConnectError extends Error {
  code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectError";
    this.code = code;
  }
}

/**
 * Failure after the connection was established.
 * - ECONNRESET: the socket closed or errored before the response head was complete
 * - EMALFORMED: the response head or chunked framing violates RFC 9112
 * - ETRUNCATED: the body ended before its declared length / final chunk
 * - EREQBODY:   the request body stream failed or did not match content-length
 */
export class UpstreamError extends Error {
  code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UpstreamError";
    this.code = code;
  }
}

/**
 * A member's failed certificate check in the operator's words, with OpenSSL's code kept for
 * searching: "unable to verify the first certificate" says neither what is wrong nor which
 * setting fixes it. `name`: what the certificate was checked against (tls.serverName or host).
 */
export function tlsVerifyReason(code: string, message: string, name: string): string {
  const notSigned = "its certificate is not signed by a CA in tls.ca (without tls.ca: the system's CAs); give the CA that signed it as tls.ca";
  const reasons: Record<string, string> = {
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: notSigned,
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: notSigned,
    DEPTH_ZERO_SELF_SIGNED_CERT: "its certificate is self-signed; give that certificate as tls.ca to trust it",
    SELF_SIGNED_CERT_IN_CHAIN: "its chain ends in a root that is not in tls.ca; give that root as tls.ca",
    ERR_TLS_CERT_ALTNAME_INVALID: `its certificate is not for ${name}; set tls.serverName to a name the certificate holds`,
    CERT_NOT_YET_VALID: "its certificate is not valid yet (is a clock wrong?)",
  };
  const plain = reasons[code];
  return plain === undefined ? message : `${plain} (${code})`;
}

/**
 * A member's TLS alert about our client certificate (RFC 8446 6.2), in the setting's words:
 * the member sends certificate_required when we showed none, unknown_ca / bad_certificate /
 * certificate_unknown / certificate_expired when it refused the one in tls.cert. A TLS 1.2 member
 * has no certificate_required (RFC 5246 7.4.6): it answers a missing one with handshake_failure,
 * which also means no shared version or cipher, so both are named. Other messages pass unchanged.
 */
export function tlsAlertReason(message: string): string {
  const alert = /(TLSV1|SSLV3)_ALERT_([A-Z_]+)/.exec(message);
  if (!alert) return message;
  const code = alert[0];
  if (alert[2] === "CERTIFICATE_REQUIRED") return `TLS: the member asks for a client certificate; give it as tls.cert and tls.key (${code})`;
  if (["UNKNOWN_CA", "BAD_CERTIFICATE", "CERTIFICATE_UNKNOWN", "CERTIFICATE_EXPIRED", "CERTIFICATE_REVOKED"].includes(alert[2]!))
    return `TLS: the member refused the client certificate in tls.cert (is it from a CA the member trusts, and still valid?) (${code})`;
  if (alert[2] === "HANDSHAKE_FAILURE") return `TLS: the member refused the handshake: it wants a client certificate (give it as tls.cert and tls.key), or it shares no TLS version (the proxy speaks 1.2 and 1.3) or cipher with the proxy (${code})`;
  return message;
}

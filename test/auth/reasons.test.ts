import { expect, test } from "bun:test";
import { errors } from "jose";
import { KeysUnavailable } from "../../src/auth/jwks-url.ts";
import { reasonFor, shown } from "../../src/auth/reasons.ts";

const claim = (c: string, why = "check_failed") => new errors.JWTClaimValidationFailed("x", {}, c, why);

test("each jose failure has the reason an operator looks for", () => {
  expect(reasonFor(new errors.JWTExpired("x", {}), undefined)).toBe("expired");
  expect(reasonFor(claim("nbf"), undefined)).toBe("not yet valid");
  expect(reasonFor(claim("iss"), undefined)).toBe("wrong issuer");
  expect(reasonFor(claim("aud"), undefined)).toBe("wrong audience");
  expect(reasonFor(claim("tenant", "missing"), undefined)).toBe('missing claim "tenant"');
  expect(reasonFor(new errors.JWSSignatureVerificationFailed(), undefined)).toBe("bad signature");
  expect(reasonFor(new errors.JOSEAlgNotAllowed("x"), { alg: "none" })).toBe('algorithm not allowed ("none")');
  expect(reasonFor(new errors.JWKSNoMatchingKey(), { kid: "k9" })).toBe('unknown key (kid "k9")');
  expect(reasonFor(new errors.JWSInvalid("x"), undefined)).toBe("malformed token");
  expect(reasonFor(new KeysUnavailable("keys unavailable from u: status 500"), undefined)).toBe("keys unavailable from u: status 500");
  expect(reasonFor(new Error("?"), undefined)).toBe("invalid token");
});

test("values the sender chose are quoted only when short and plain", () => {
  expect(shown("RS256")).toBe('"RS256"');
  expect(shown("a b\n")).toBe("(unprintable)");
  expect(shown("x".repeat(65))).toBe("(unprintable)");
  expect(shown(5)).toBe("(unprintable)");
});

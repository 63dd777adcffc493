import { expect, test } from "bun:test";
import { ConfigError } from "../../src/config/errors.ts";
import { parseConfigText } from "../../src/config/load.ts";

const config = (jwt: unknown) => JSON.stringify({
  listeners: [{ port: 8080 }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } },
  routes: [{ path: "/", pool: "a", auth: { jwt } }],
});
function issues(jwt: unknown): string[] {
  try {
    parseConfigText(config(jwt));
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

test("a JWKS file with the defaults parses; clockSkew becomes milliseconds", () => {
  const route = parseConfigText(config({ jwksFile: "jwks.json" })).routes[0]!;
  expect(route.auth?.jwt).toEqual({ jwksFile: "jwks.json", clockSkew: 60_000, requiredClaims: [], claimsToHeaders: {}, token: "header" });
  expect(parseConfigText(config({ jwksUrl: "https://idp/oauth2/jwks?tenant=a", clockSkew: "5s", token: "cookie:at" })).routes[0]!.auth?.jwt.clockSkew).toBe(5_000);
});

test("exactly one key source", () => {
  expect(issues({ jwksFile: "a", jwksUrl: "https://idp/jwks" })).toEqual(["routes[0].auth.jwt: give exactly one of jwksFile, jwksUrl, secretFile (got jwksFile, jwksUrl)"]);
  expect(issues({ issuer: "x" })).toEqual(["routes[0].auth.jwt: give exactly one of jwksFile, jwksUrl, secretFile (got none)"]);
});

test("algorithms: none never, HMAC only with a secret, public-key ones never with a secret", () => {
  expect(issues({ jwksFile: "a", algorithms: ["RS256", "none"] })).toEqual(['routes[0].auth.jwt.algorithms[1]: "none" is never accepted: a token must be signed']);
  expect(issues({ jwksFile: "a", algorithms: ["HS256"] })[0]).toStartWith("routes[0].auth.jwt.algorithms[0]: HS256 needs a shared secret");
  expect(issues({ secretFile: "s", algorithms: ["HS256", "RS256"] })[0]).toStartWith("routes[0].auth.jwt.algorithms[1]: RS256 verifies with a public key");
  expect(issues({ jwksFile: "a", algorithms: [] })).toEqual(["routes[0].auth.jwt.algorithms: give at least one algorithm, or leave algorithms out for the default"]);
});

test("every bad field at once, each with its path", () => {
  const got = issues({
    jwksUrl: "ftp://idp/jwks", clockSkew: "soon", token: "body", issuer: [], claimsToHeaders: { sub: "Host", scope: "X Scope" }, extra: 1,
  });
  expect(got).toEqual(expect.arrayContaining([
    'routes[0].auth.jwt.jwksUrl: "ftp://idp/jwks" is not an http(s) URL',
    expect.stringMatching(/^routes\[0\]\.auth\.jwt\.clockSkew: "soon" is not a duration/),
    'routes[0].auth.jwt.token: expected "header", "cookie:NAME" or "query:NAME"',
    expect.stringMatching(/^routes\[0\]\.auth\.jwt\.issuer: /),
    expect.stringMatching(/^routes\[0\]\.auth\.jwt\.claimsToHeaders\.sub: "Host" cannot carry a claim/),
    expect.stringMatching(/^routes\[0\]\.auth\.jwt\.claimsToHeaders\.scope: a header name is an RFC 9110 token/),
    'routes[0].auth.jwt.extra: unknown field "extra" (see docs/configuration.md)',
  ]));
  expect(issues({ jwksFile: "a", claimsToHeaders: { sub: "X-User", uid: "x-user" } })).toEqual(["routes[0].auth.jwt.claimsToHeaders: two claims name the same header; give each claim its own header"]);
  expect(issues(undefined)).toEqual(["routes[0].auth.jwt: required field is missing"]);
});

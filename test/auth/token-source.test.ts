import { expect, test } from "bun:test";
import { bearer, cookieValue, tokenReader } from "../../src/auth/token-source.ts";

const facts = (o: Partial<{ authorization: string; cookie: string; query: string }>) => ({ authorization: o.authorization ?? null, cookie: o.cookie ?? null, query: o.query ?? "", clientIp: "1.2.3.4" });

test("the header source reads a Bearer token, whatever the scheme's case, and nothing else", () => {
  const read = tokenReader("header");
  expect(read(facts({ authorization: "Bearer abc.def.ghi" }))).toBe("abc.def.ghi");
  expect(read(facts({ authorization: "bearer  abc " }))).toBe("abc");
  expect(read(facts({ authorization: "Basic dXNlcjpwYXNz" }))).toBeUndefined();
  expect(read(facts({ authorization: "Bearer " }))).toBeUndefined();
  expect(read(facts({ cookie: "t=abc" }))).toBeUndefined();
  expect(bearer("BearerX abc")).toBeUndefined();
});

test("a cookie source reads its own cookie among others, quoted or not", () => {
  const read = tokenReader("cookie:access_token");
  expect(read(facts({ cookie: "a=1; access_token=abc.def; b=2" }))).toBe("abc.def");
  expect(read(facts({ cookie: 'access_token="x.y.z"' }))).toBe("x.y.z");
  expect(read(facts({ cookie: "xaccess_token=1" }))).toBeUndefined();
  expect(read(facts({ authorization: "Bearer abc" }))).toBeUndefined();
  expect(cookieValue("a=; b=2", "a")).toBeUndefined();
});

test("a query source reads its parameter, percent-decoded", () => {
  const read = tokenReader("query:access_token");
  expect(read(facts({ query: "?x=1&access_token=a.b%2Ec" }))).toBe("a.b.c");
  expect(read(facts({ query: "?access_token=" }))).toBeUndefined();
  expect(read(facts({ query: "" }))).toBeUndefined();
});

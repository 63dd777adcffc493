import { describe, expect, test } from "bun:test";
import { bearer, cookieValue, logTarget, tokenReader } from "../../src/auth/token-source.ts";

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

test("a query parameter given twice is no token: the member might read the copy the proxy did not check", () => {
  const read = tokenReader("query:access_token");
  expect(read(facts({ query: "?access_token=good&access_token=forged" }))).toBeUndefined();
});

describe("logTarget", () => {
  test("a query-token route logs the target with that parameter's value replaced, the rest as received", () => {
    const log = logTarget("query:access_token")!;
    expect(log("/api/v1/orders?access_token=eyJ.a.b&page=2")).toBe("/api/v1/orders?access_token=redacted&page=2");
    expect(log("/x?a=%20b&access_token=t1&access_token=t2")).toBe("/x?a=%20b&access_token=redacted&access_token=redacted");
    expect(log("/x?access%5Ftoken=t")).toBe("/x?access%5Ftoken=redacted"); // the name as URLSearchParams reads it
  });

  test("targets without the parameter, and other token sources, are logged unchanged", () => {
    const log = logTarget("query:access_token")!;
    expect(log("/x")).toBe("/x");
    expect(log("/x?token=t&access_tokens=u")).toBe("/x?token=t&access_tokens=u");
    expect(log("/x?access_token")).toBe("/x?access_token"); // no value to hide
    expect(logTarget("header")).toBeUndefined();
    expect(logTarget("cookie:jwt")).toBeUndefined();
  });
});

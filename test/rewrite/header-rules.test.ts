import { describe, expect, test } from "bun:test";
import { compileHeaderRules, HeaderValueError, lintHeaderRules, type HeaderRulesInit, type RuleVars } from "../../src/rewrite/header-rules.ts";

const vars: RuleVars = { route: "isNode1", member: "https://127.0.0.1:9443", client_ip: "203.0.113.7", host: "sso.example.com", scheme: "https" };
const W = "routes[2].responseHeaders";

function apply(init: HeaderRulesInit, h: Headers, v: RuleVars = vars): Headers {
  compileHeaderRules(init, W)(h, v);
  return h;
}

describe("edit", () => {
  test("^http://(.*)$ -> https://$1 upgrades http and leaves https alone", () => {
    const rule = { edit: [{ name: "Location", match: "^http://(.*)$", replace: "https://$1" }] };
    expect(apply(rule, new Headers({ location: "http://sso.example.com/x?a=1" })).get("location")).toBe("https://sso.example.com/x?a=1");
    expect(apply(rule, new Headers({ location: "https://sso.example.com/x" })).get("location")).toBe("https://sso.example.com/x");
  });
  test("the seeds' ^http -> https really produces httpss (Apache-compatible), and lint reports it", () => {
    const init = { edit: [{ name: "Location", match: "^http", replace: "https" }] };
    expect(apply(init, new Headers({ location: "https://x/" })).get("location")).toBe("httpss://x/");
    const warnings = lintHeaderRules(init, W);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${W}.edit[0]`);
    expect(warnings[0]).toContain("httpss://");
    expect(warnings[0]).toContain('match "^http://(.*)$" replace "https://$1"');
  });
  test("lint is quiet for correct edits and non-URL headers", () => {
    expect(lintHeaderRules({ edit: [{ name: "Location", match: "^http:", replace: "https:" }] }, W)).toEqual([]);
    expect(lintHeaderRules({ edit: [{ name: "Location", match: "^http://(.*)$", replace: "https://$1" }] }, W)).toEqual([]);
    expect(lintHeaderRules({ edit: [{ name: "X-Thing", match: "^http", replace: "https" }] }, W)).toEqual([]);
  });
  test("edit replaces the first match, all: true every match", () => {
    const h = () => new Headers({ "x-list": "a-a-a" });
    expect(apply({ edit: [{ name: "X-List", match: "a", replace: "b" }] }, h()).get("x-list")).toBe("b-a-a");
    expect(apply({ edit: [{ name: "X-List", match: "a", replace: "b", all: true }] }, h()).get("x-list")).toBe("b-b-b");
  });
  test("edit applies to every Set-Cookie instance, keeping them separate", () => {
    const h = new Headers();
    h.append("set-cookie", "a=1; Path=/");
    h.append("set-cookie", "b=2; Path=/");
    apply({ edit: [{ name: "Set-Cookie", match: "$", replace: "; Secure" }] }, h);
    expect(h.getSetCookie()).toEqual(["a=1; Path=/; Secure", "b=2; Path=/; Secure"]);
  });
  test("$$, $& and $0 in a replacement; $ inside a variable's value stays literal", () => {
    const h = new Headers({ "x-a": "v1" });
    apply({ edit: [{ name: "X-A", match: "v(\\d)", replace: "$$$1 [$&] [$0] {host}" }] }, h, { ...vars, host: "h$1" });
    expect(h.get("x-a")).toBe("$1 [v1] [v1] h$1");
  });
  test("a missing header is not created by edit", () => {
    expect(apply({ edit: [{ name: "Location", match: ".*", replace: "x" }] }, new Headers()).has("location")).toBe(false);
  });
  test("edit runs after set and add", () => {
    const h = apply({ set: { "X-A": "one" }, edit: [{ name: "X-A", match: "one", replace: "two" }] }, new Headers());
    expect(h.get("x-a")).toBe("two");
  });
});

describe("set, add, remove", () => {
  test("remove, then set, then add", () => {
    const h = new Headers({ server: "Apache", "x-powered-by": "PHP", "x-frame-options": "ALLOW", vary: "Accept" });
    apply({ remove: ["Server", "x-powered-by"], set: { "X-Frame-Options": "DENY" }, add: { Vary: "Origin" } }, h);
    expect(h.has("server")).toBe(false);
    expect(h.has("x-powered-by")).toBe(false);
    expect(h.get("x-frame-options")).toBe("DENY");
    expect(h.get("vary")).toBe("Accept, Origin");
  });
  test("remove and add of the same header leaves only the added value", () => {
    expect(apply({ remove: ["X-A"], add: { "X-A": "new" } }, new Headers({ "x-a": "old" })).get("x-a")).toBe("new");
  });
  test("add Set-Cookie appends a separate cookie", () => {
    const h = new Headers();
    h.append("set-cookie", "a=1");
    apply({ add: { "Set-Cookie": "ROUTEID=.{route}; Path=/" } }, h);
    expect(h.getSetCookie()).toEqual(["a=1", "ROUTEID=.isNode1; Path=/"]);
  });
  test("variables are substituted at apply time", () => {
    const rules = compileHeaderRules({ set: { "X-Forwarded-Port": "443", "X-Served-By": "{route} via {member} for {client_ip} at {scheme}://{host}" } }, W);
    const h1 = new Headers();
    rules(h1, vars);
    expect(h1.get("x-served-by")).toBe("isNode1 via https://127.0.0.1:9443 for 203.0.113.7 at https://sso.example.com");
    expect(h1.get("x-forwarded-port")).toBe("443");
    const h2 = new Headers();
    rules(h2, { ...vars, route: "isNode2" });
    expect(h2.get("x-served-by")).toStartWith("isNode2 via");
  });
  test("non-variable braces are literal", () => {
    expect(apply({ set: { "X-J": '{"a":1} { x }' } }, new Headers()).get("x-j")).toBe('{"a":1} { x }');
  });
  test("CR/LF from a variable throws HeaderValueError and never splits the header", () => {
    const h = new Headers();
    const bad = { ...vars, host: "evil\r\nSet-Cookie: x=1" };
    expect(() => apply({ set: { "X-Host": "{host}" } }, h, bad)).toThrow(HeaderValueError);
    expect(h.has("x-host")).toBe(false);
    expect(h.has("set-cookie")).toBe(false);
    const e = new Headers({ location: "http://a/" });
    expect(() => apply({ edit: [{ name: "Location", match: "a", replace: "{host}" }] }, e, bad)).toThrow(HeaderValueError);
    expect(e.get("location")).toBe("http://a/");
  });
});

describe("compile errors name the JSON path", () => {
  test("invalid regex", () => {
    expect(() => compileHeaderRules({ edit: [{ name: "Location", match: "(", replace: "x" }] }, W)).toThrow(`${W}.edit[0].match: invalid regular expression`);
  });
  test("unknown variable, listing the known ones", () => {
    expect(() => compileHeaderRules({ set: { "X-A": "{hots}" } }, W)).toThrow(`${W}.set["X-A"]: unknown variable {hots}; known: {route}, {member}, {client_ip}, {host}, {scheme}`);
    expect(() => compileHeaderRules({ edit: [{ name: "X-A", match: "a", replace: "{nope}" }] }, W)).toThrow(`${W}.edit[0].replace: unknown variable {nope}`);
  });
  test("CR/LF in a literal value", () => {
    expect(() => compileHeaderRules({ add: { "X-A": "a\r\nb" } }, W)).toThrow(`${W}.add["X-A"]: the value contains CR, LF or NUL`);
    expect(() => compileHeaderRules({ edit: [{ name: "X-A", match: "a", replace: "\n" }] }, W)).toThrow(`${W}.edit[0].replace`);
  });
  test("invalid header names", () => {
    expect(() => compileHeaderRules({ set: { "X A": "1" } }, W)).toThrow(`${W}.set["X A"]: "X A" is not a valid header name`);
    expect(() => compileHeaderRules({ remove: ["Bad:Name"] }, W)).toThrow(`${W}.remove[0]`);
    expect(() => compileHeaderRules({ edit: [{ name: "", match: "a", replace: "b" }] }, W)).toThrow(`${W}.edit[0].name`);
  });
  test("framing and hop-by-hop fields are the proxy's own: no rule may set, add, remove or edit them", () => {
    for (const name of ["Content-Length", "transfer-encoding", "Connection", "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection"]) {
      const own = `${name} is the proxy's own (message framing and hop-by-hop fields are written per connection); remove this rule`;
      expect(() => compileHeaderRules({ set: { [name]: "3" } }, W)).toThrow(`${W}.set[${JSON.stringify(name)}]: ${own}`);
      expect(() => compileHeaderRules({ remove: [name] }, W, "request")).toThrow(`${W}.remove[0]: ${own}`);
      expect(() => compileHeaderRules({ add: { [name]: "x" } }, W)).toThrow(own);
      expect(() => compileHeaderRules({ edit: [{ name, match: "a", replace: "b" }] }, W)).toThrow(`${W}.edit[0].name: ${own}`);
    }
  });
  test("a request rule may replace Host but not remove it; a response may drop its own Host field", () => {
    expect(() => compileHeaderRules({ remove: ["Host"] }, "routes[0].requestHeaders", "request")).toThrow("routes[0].requestHeaders.remove[0]: an HTTP/1.1 request must carry Host (RFC 9112 3.2)");
    const h = new Headers({ host: "a" });
    compileHeaderRules({ set: { Host: "forced.example" } }, "routes[0].requestHeaders", "request")(h, vars);
    expect(h.get("host")).toBe("forced.example");
    expect(() => compileHeaderRules({ remove: ["Host"] }, W)).not.toThrow();
  });
  test("a group the regex does not have", () => {
    expect(() => compileHeaderRules({ edit: [{ name: "X-A", match: "(a)", replace: "$2" }] }, W)).toThrow(`${W}.edit[0].replace: $2 refers to a capture group`);
  });
  test("lint flags remove + set of the same header", () => {
    expect(lintHeaderRules({ remove: ["server"], set: { Server: "edge" } }, W)).toEqual([`${W}.remove[0]: server is also in set, which already replaces it`]);
  });
});

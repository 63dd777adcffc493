import { describe, expect, test } from "bun:test";
import { plainIp, setForwarded, stripHopByHop, type ForwardedInfo } from "../../src/proxy/headers.ts";

const HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization"];

describe("stripHopByHop", () => {
  test("removes the classic hop-by-hop headers and keeps end-to-end ones", () => {
    const h = new Headers({
      connection: "keep-alive",
      "keep-alive": "timeout=5",
      "proxy-connection": "keep-alive",
      te: "trailers",
      trailer: "Expires",
      "transfer-encoding": "chunked",
      upgrade: "websocket",
      "proxy-authenticate": "Basic",
      "proxy-authorization": "Basic eA==",
      authorization: "Bearer t",
      "content-type": "text/plain",
      cookie: "a=1",
      "x-custom": "v",
    });
    stripHopByHop(h);
    for (const name of HOP) expect([name, h.has(name)]).toEqual([name, false]);
    expect([...h.keys()].sort()).toEqual(["authorization", "content-type", "cookie", "x-custom"]);
    expect(h.get("authorization")).toBe("Bearer t");
  });

  test("removes the headers that Connection names, case-insensitively and with odd spacing", () => {
    const h = new Headers({ connection: "close, X-Secret ,x-other,, ", "x-secret": "1", "X-Other": "2", "x-kept": "3" });
    stripHopByHop(h);
    expect([...h.entries()]).toEqual([["x-kept", "3"]]);
  });

  test("Connection may name an end-to-end header; it is removed for this hop", () => {
    const h = new Headers({ connection: "Cookie", cookie: "a=1", accept: "*/*" });
    stripHopByHop(h);
    expect(h.has("cookie")).toBe(false);
    expect(h.get("accept")).toBe("*/*");
  });

  test("no Connection header: only the fixed list goes", () => {
    const h = new Headers({ te: "trailers", "x-a": "1" });
    stripHopByHop(h);
    expect([...h.entries()]).toEqual([["x-a", "1"]]);
  });
});

describe("setForwarded", () => {
  const info = (over: Partial<ForwardedInfo> = {}): ForwardedInfo => ({
    clientIp: "192.0.2.7",
    scheme: "https",
    host: "sso.example.com:8443",
    port: 8443,
    trusted: false,
    ...over,
  });

  test("sets all four headers when none came in", () => {
    for (const trusted of [false, true]) {
      const h = new Headers();
      setForwarded(h, info({ trusted }));
      expect(Object.fromEntries(h)).toEqual({
        "x-forwarded-for": "192.0.2.7",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "sso.example.com:8443",
        "x-forwarded-port": "8443",
      });
    }
  });

  test("untrusted client: every incoming X-Forwarded-* value is replaced", () => {
    const h = new Headers({
      "x-forwarded-for": "6.6.6.6",
      "x-forwarded-proto": "http",
      "x-forwarded-host": "evil.example",
      "x-forwarded-port": "1",
    });
    setForwarded(h, info());
    expect(h.get("x-forwarded-for")).toBe("192.0.2.7");
    expect(h.get("x-forwarded-proto")).toBe("https");
    expect(h.get("x-forwarded-host")).toBe("sso.example.com:8443");
    expect(h.get("x-forwarded-port")).toBe("8443");
  });

  test("trusted proxy: X-Forwarded-For is appended to, the others are kept", () => {
    const h = new Headers({
      "x-forwarded-for": "203.0.113.1, 10.0.0.2",
      "x-forwarded-proto": "http",
      "x-forwarded-host": "front.example",
      "x-forwarded-port": "80",
    });
    setForwarded(h, info({ clientIp: "10.0.0.3", trusted: true }));
    expect(h.get("x-forwarded-for")).toBe("203.0.113.1, 10.0.0.2, 10.0.0.3");
    expect(h.get("x-forwarded-proto")).toBe("http");
    expect(h.get("x-forwarded-host")).toBe("front.example");
    expect(h.get("x-forwarded-port")).toBe("80");
  });

  test("trusted proxy that sent only some headers: the missing ones are filled in", () => {
    const h = new Headers({ "x-forwarded-proto": "http" });
    setForwarded(h, info({ trusted: true, scheme: "http", port: 8080, host: "h" }));
    expect(h.get("x-forwarded-for")).toBe("192.0.2.7");
    expect(h.get("x-forwarded-proto")).toBe("http");
    expect(h.get("x-forwarded-host")).toBe("h");
    expect(h.get("x-forwarded-port")).toBe("8080");
  });

  test("unrelated headers are not touched", () => {
    const h = new Headers({ host: "sso.example.com:8443", authorization: "Bearer x" });
    setForwarded(h, info());
    expect(h.get("host")).toBe("sso.example.com:8443");
    expect(h.get("authorization")).toBe("Bearer x");
  });
});

describe("plainIp", () => {
  test("IPv4-mapped IPv6 becomes plain IPv4; everything else is unchanged", () => {
    const cases: [string, string][] = [
      ["::ffff:1.2.3.4", "1.2.3.4"],
      ["::ffff:127.0.0.1", "127.0.0.1"],
      ["1.2.3.4", "1.2.3.4"],
      ["::1", "::1"],
      ["::ffff:abcd", "::ffff:abcd"],
      ["2001:db8::1", "2001:db8::1"],
      ["", ""],
    ];
    for (const [ip, want] of cases) expect([ip, plainIp(ip)]).toEqual([ip, want]);
  });
});

describe("fixed: a Connection token that is not a header name throws", () => {
  test("Connection: \"foo bar, x-a\" strips x-a and ignores the bad token instead of throwing", () => {
    const h = new Headers({ connection: "foo bar, x-a", "x-a": "1", "x-b": "2" });
    expect(() => stripHopByHop(h)).not.toThrow();
    expect([...h.entries()]).toEqual([["x-b", "2"]]);
  });

  test("a request with such a Connection header reaches the handler and is stripped", async () => {
    // Bun accepts the value, so a client can send it; an upstream can send it on a response too.
    const server = Bun.serve({
      port: 0,
      fetch(req) {
        const h = new Headers(req.headers);
        try {
          stripHopByHop(h);
          return new Response("ok");
        } catch {
          return new Response("threw", { status: 500 });
        }
      },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { connection: "foo bar" } });
      expect(await res.text()).toBe("ok");
    } finally {
      server.stop(true);
    }
  });
});

describe("review fixes", () => {
  test("Connection cannot name Host or Content-Length away", () => {
    const h = new Headers({ host: "a.example", "content-length": "3", connection: "host, Content-Length, x-drop", "x-drop": "1" });
    stripHopByHop(h);
    expect(h.get("host")).toBe("a.example");
    expect(h.get("content-length")).toBe("3");
    expect(h.get("x-drop")).toBeNull();
  });
  test("Forwarded and X-Real-IP from an untrusted client are dropped, from a trusted one kept", () => {
    const info = { clientIp: "192.0.2.1", scheme: "https" as const, host: "h", port: 443 };
    const untrusted = new Headers({ forwarded: "for=6.6.6.6", "x-real-ip": "6.6.6.6" });
    setForwarded(untrusted, { ...info, trusted: false });
    expect(untrusted.get("forwarded")).toBeNull();
    expect(untrusted.get("x-real-ip")).toBeNull();
    const trusted = new Headers({ forwarded: "for=10.0.0.1", "x-real-ip": "10.0.0.1" });
    setForwarded(trusted, { ...info, trusted: true });
    expect(trusted.get("forwarded")).toBe("for=10.0.0.1");
    expect(trusted.get("x-real-ip")).toBe("10.0.0.1");
  });
});

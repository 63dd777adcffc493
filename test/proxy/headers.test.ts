import { describe, expect, test } from "bun:test";
import { ows, plainIp, stripHopByHop } from "../../src/proxy/headers.ts";

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

describe("stripHopByHop: a Connection token that is not a header name", () => {
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

describe("stripHopByHop: what Connection may not remove", () => {
  test("Connection cannot name Host or Content-Length away", () => {
    const h = new Headers({ host: "a.example", "content-length": "3", connection: "host, Content-Length, x-drop", "x-drop": "1" });
    stripHopByHop(h);
    expect(h.get("host")).toBe("a.example");
    expect(h.get("content-length")).toBe("3");
    expect(h.get("x-drop")).toBeNull();
  });
});

test("ows strips spaces and tabs only: a no-break space, a BOM or a vertical tab stays part of the value", () => {
  expect(["  5\t", "5", "\t \t"].map(ows)).toEqual(["5", "5", ""]);
  expect(["\xa05", "chunked\xa0", "\ufeff5", "\v5"].map(ows)).toEqual(["\xa05", "chunked\xa0", "\ufeff5", "\v5"]);
});

import { expect, test } from "bun:test";
import { settled, tryOn } from "./try-harness.ts";

const OK = "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 12:00:00 GMT\r\nContent-Length: 5\r\n\r\n";

test("a 103 goes to the client before the answer (hop-by-hop fields dropped), a 100 does not; head and body go out in one write and the socket goes back to its lane", () => {
  const { t, fromMember, client, released, outcomes } = tryOn({ pooled: true });
  fromMember(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nConnection: keep-alive\r\n\r\n${OK}hello`);
  expect(client.sent).toEqual(["HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n", `${OK}hello`]);
  expect(t.ended).toEqual(["responded 200, 5 body bytes"]);
  expect(released.length).toBe(1);
  expect(outcomes).toEqual([]); // the outcome is the exchange's to report
});

test("an HTTP/1.0 client gets no 1xx (RFC 9110 15.2); a malformed 1xx fails the try", () => {
  const old = tryOn({ pooled: true, head: "GET /a HTTP/1.0\r\nHost: example.test\r\n\r\n" });
  old.fromMember(`HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n${OK}hello`);
  expect(old.client.sent.join("")).not.toContain("103");
  const bad = tryOn({ pooled: true });
  bad.fromMember(`HTTP/1.1 103 Early Hints\r\nLink </a.css>\r\n\r\n${OK}hello`);
  expect(bad.t.ended.length).toBe(1);
  expect(bad.t.ended[0]).toStartWith("failed: ");
  expect(bad.client.sent).toEqual([]);
});

test("a head split across reads is put together; the body follows as it comes", () => {
  const { t, fromMember, client } = tryOn({ pooled: true });
  fromMember("HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 12:00:00 GMT\r\nContent-");
  expect(client.sent).toEqual([]);
  fromMember("Length: 5\r\n\r\nhe");
  fromMember("llo");
  expect(client.sent.join("")).toBe(`${OK}hello`);
  expect(t.ended).toEqual(["responded 200, 5 body bytes"]);
});

test("a client that does not take bytes pauses the member until it drains", () => {
  const { t, fromMember, client, upstream } = tryOn({ pooled: true });
  client.takes = false;
  fromMember(`${OK}he`);
  expect(upstream.state.paused).toBe(true);
  t.clientDrained();
  expect(upstream.state.paused).toBe(false);
});

test("a head over 64 KiB fails the try whether it comes in one read or in many", () => {
  const big = `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(100_000)}\r\nContent-Length: 0\r\n\r\n`;
  const whole = tryOn({ pooled: true });
  whole.fromMember(big);
  const split = tryOn({ pooled: true });
  for (let i = 0; i < big.length; i += 16_384) split.fromMember(big.slice(i, i + 16_384));
  for (const r of [whole, split]) {
    expect(r.t.ended).toEqual(["failed: malformed upstream response: head over 65536 bytes"]);
    expect(r.client.sent).toEqual([]);
  }
});

test("bad chunking fails the try before the client got anything, and cuts after", () => {
  const before = tryOn({ pooled: true });
  before.fromMember("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  expect(before.t.ended.length).toBe(1);
  expect(before.t.ended[0]!.startsWith("failed: ")).toBe(true);
  expect(before.client.sent).toEqual([]);
  const after = tryOn({ pooled: true });
  after.fromMember("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n");
  after.fromMember("zz\r\n");
  expect(after.client.sent.join("")).toContain("2\r\nhi\r\n");
  expect(after.t.ended[0]!.startsWith("cut: ")).toBe(true);
});

test("a clean close completes a body delimited by close, relayed chunked (each read a chunk, the last at the close); a reset cuts it", () => {
  const clean = tryOn({ pooled: true });
  clean.fromMember("HTTP/1.1 200 OK\r\n\r\nabc");
  clean.fromMember("defgh");
  clean.t.upstreamClosed(clean.upstream.sock, undefined);
  expect(clean.t.ended).toEqual(["responded 200, 8 body bytes"]);
  expect(clean.released).toEqual([]);
  expect(clean.client.sent.join("").replace(/date: [^\r]*\r\n/, "")).toBe("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n");
  const reset = tryOn({ pooled: true });
  reset.fromMember("HTTP/1.1 200 OK\r\n\r\nabc");
  reset.t.upstreamClosed(reset.upstream.sock, new Error("ECONNRESET"));
  expect(reset.t.ended).toEqual(["cut: ECONNRESET"]);
});

test("a pooled socket closed before any of its response is the keep-alive race; a new one is not", async () => {
  const pooled = tryOn({ pooled: true });
  pooled.t.upstreamClosed(pooled.upstream.sock, undefined);
  expect(pooled.t.ended).toEqual(["closed: raced"]);
  const fresh = tryOn();
  await settled();
  fresh.t.upstreamClosed(fresh.upstream.sock, undefined);
  expect(fresh.t.ended).toEqual(["closed before head"]);
  const partly = tryOn({ pooled: true });
  partly.fromMember("HTTP/1.1 200");
  partly.t.upstreamClosed(partly.upstream.sock, undefined);
  expect(partly.t.ended).toEqual(["closed before head"]);
});

test("a head after the client left is abandoned: nothing reaches the client", () => {
  const { t, fromMember, client } = tryOn({ pooled: true });
  t.clientGone();
  fromMember(`${OK}hello`);
  expect(t.ended).toEqual(["client gone", "abandoned 200"]);
  expect(client.sent).toEqual([]);
});

test("a body that stops for the idle timeout is cut; while the client does not read, it is the client's fault", () => {
  const stalled = tryOn({ pooled: true });
  stalled.fromMember(`${OK}he`);
  stalled.at(600);
  expect(stalled.t.ended).toEqual(["cut: upstream idle timeout"]);
  const slow = tryOn({ pooled: true });
  slow.client.takes = false;
  slow.fromMember(`${OK}he`);
  slow.at(600);
  expect(slow.t.ended).toEqual(["client gone"]);
  expect(slow.client.aborted).toBe(true);
});

test("a 101 to an Upgrade hands both sockets to a tunnel; early member bytes follow the 101", () => {
  const { t, fromMember, client, upstream, outcomes } = tryOn({ head: "GET /ws HTTP/1.1\r\nHost: example.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", pooled: true });
  const head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  fromMember(`${head}\x81\x00`);
  expect(client.upgraded).toBe(true);
  expect(client.sent).toEqual([head, "\x81\x00"]);
  expect(outcomes).toEqual(["ok: websocket upgraded"]);
  t.fromClient(Buffer.from("ping"));
  expect(upstream.state.written.at(-1)).toBe("ping");
  t.upstreamClosed(upstream.sock, undefined);
  expect(t.ended).toEqual(["tunnel over 2/4"]);
});

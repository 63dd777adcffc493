import { expect, test } from "bun:test";
import { settled, tryOn } from "./try-harness.ts";

test("a new connection gets the head with X-Forwarded-* and the held body in one write", async () => {
  const { upstream, t } = tryOn({ head: "POST /a HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2\r\n\r\n", body: "hi" });
  expect(upstream.state.written).toEqual([]); // connecting
  await settled();
  expect(upstream.state.written.length).toBe(1);
  const sent = upstream.state.written[0]!;
  expect(sent.startsWith("POST /a HTTP/1.1\r\n")).toBe(true);
  expect(sent).toContain("x-forwarded-for: 192.0.2.7\r\n");
  expect(sent.endsWith("\r\n\r\nhi")).toBe(true);
  expect(t.ended).toEqual([]);
});

const PUT = "PUT /a HTTP/1.1\r\nHost: example.test\r\nContent-Length: 6\r\n\r\n";

test("a pooled socket gets the request at once", () => {
  const { upstream } = tryOn({ head: PUT, body: "abcdef", pooled: true });
  expect(upstream.state.written.length).toBe(1);
  expect(upstream.state.written[0]!.endsWith("\r\n\r\nabcdef")).toBe(true);
});

test("what the member's socket does not take waits for its drain, in order", async () => {
  const { upstream, t } = tryOn({ head: PUT, body: "abcdef" });
  upstream.state.room = 10;
  await settled();
  expect(upstream.state.written.join("").length).toBe(10);
  upstream.state.room = Infinity;
  t.upstreamDrain(upstream.sock);
  expect(upstream.state.written.join("").endsWith("\r\n\r\nabcdef")).toBe(true);
  expect(upstream.state.written.length).toBe(2);
  expect(t.ended).toEqual([]);
});

test("a held body the socket did not take stays intact while later requests are written", () => {
  const first = tryOn({ head: PUT, body: "abcdef", pooled: true, room: 10 });
  // Another request with a body goes out before the first one's socket drains.
  tryOn({ head: "PUT /b HTTP/1.1\r\nHost: example.test\r\nContent-Length: 6\r\n\r\n", body: "zyxwvu", pooled: true });
  first.upstream.state.room = Infinity;
  first.t.upstreamDrain(first.upstream.sock);
  const sent = first.upstream.state.written.join("");
  expect(sent.startsWith("PUT /a HTTP/1.1\r\n")).toBe(true);
  expect(sent.endsWith("\r\n\r\nabcdef")).toBe(true);
});

test("a streamed body goes to the member as it comes, the next request is handed back, a full socket pauses the client", async () => {
  const { upstream, client, t } = tryOn({ head: "POST /up HTTP/1.1\r\nHost: example.test\r\nContent-Length: 8\r\n\r\n", streamed: true });
  await settled();
  expect(client.streaming).toBe(true);
  upstream.state.room = 2;
  expect(t.requestData(Buffer.from("abcd"))).toBeUndefined();
  expect(client.paused).toBe(true);
  upstream.state.room = Infinity;
  t.upstreamDrain(upstream.sock);
  expect(client.paused).toBe(false);
  const rest = t.requestData(Buffer.from("efghGET / HTTP/1.1\r\n"));
  expect(rest?.toString()).toBe("GET / HTTP/1.1\r\n");
  expect(client.bodyEnded).toBe(true);
  expect(upstream.state.written.join("").endsWith("\r\n\r\nabcdefgh")).toBe(true);
});

test("a malformed streamed body is refused, not sent", async () => {
  const { upstream, t } = tryOn({ head: "POST /up HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n", streamed: true });
  await settled();
  const before = upstream.state.written.length;
  t.requestData(Buffer.from("zz\r\n"));
  expect(t.ended.length).toBe(1);
  expect(t.ended[0]!.startsWith("body refused")).toBe(true);
  expect(upstream.state.written.length).toBe(before);
});

test("while the client streams its body no response timeout runs (that wait is clientTimeouts.body); it starts when the body is all sent", async () => {
  const { t, at } = tryOn({ head: "POST /up HTTP/1.1\r\nHost: example.test\r\nContent-Length: 4\r\n\r\n", streamed: true });
  await settled();
  t.requestData(Buffer.from("ab"));
  at(5000); // five response timeouts of a paused client
  expect(t.ended).toEqual([]);
  t.requestData(Buffer.from("cd"));
  at(5900);
  expect(t.ended).toEqual([]);
  at(6100);
  expect(t.ended).toEqual(["failed: upstream response timeout"]);
  expect(t.stateName).toBe("over");
});

test("a member that takes no more of the body is timed out from its last write (NGINX proxy_send_timeout); a drain that leaves the client to send stops the clock", async () => {
  const { t, at, upstream, client } = tryOn({ head: "POST /up HTTP/1.1\r\nHost: example.test\r\nContent-Length: 8\r\n\r\n", streamed: true });
  await settled();
  upstream.state.room = 0; // full: what the client sends waits, reading pauses
  t.requestData(Buffer.from("ab"));
  expect(client.paused).toBe(true);
  at(900);
  upstream.state.room = Infinity;
  t.upstreamDrain(upstream.sock);
  expect(client.paused).toBe(false);
  at(4000);
  expect(t.ended).toEqual([]);
  upstream.state.room = 0;
  t.requestData(Buffer.from("cd"));
  at(4900);
  expect(t.ended).toEqual([]);
  at(5100);
  expect(t.ended).toEqual(["failed: upstream response timeout"]);
});

test("a try that is over no longer writes what the client streams", async () => {
  const { upstream, t, at } = tryOn({ head: "POST /up HTTP/1.1\r\nHost: example.test\r\nContent-Length: 8\r\n\r\n", streamed: true });
  await settled();
  upstream.state.room = 0;
  t.requestData(Buffer.from("ab")); // the member takes none of it: its send timeout runs
  upstream.state.room = Infinity;
  at(1100);
  const before = upstream.state.written.length;
  t.requestData(Buffer.from("abcd"));
  expect(upstream.state.written.length).toBe(before);
  expect(upstream.state.terminated).toBe(true);
});

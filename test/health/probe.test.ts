/** sendProbe against a raw member that writes exactly the bytes each test gives it. */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { PROBE_BODY_MAX, sendProbe, type ProbeAnswer } from "../../src/health/probe.ts";
import { Cancel } from "../../src/proxy/cancel.ts";
import { Dialer } from "../../src/upstream/dial.ts";
import { UpstreamError } from "../../src/upstream/errors.ts";
import { rawServer, type RawConn, type RawServer } from "../upstream/raw-server.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function member(answer: (s: Socket<RawConn>) => void): RawServer {
  const server = rawServer((s) => answer(s));
  cleanups.push(() => server.stop());
  return server;
}

function probe(server: RawServer, wantBody = true, method = "GET", cancel = new Cancel()): Promise<ProbeAnswer> {
  return sendProbe(new Dialer(server.origin), { method, target: "/health?x=1", host: "health.internal" }, 1000, wantBody, cancel);
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe("sendProbe", () => {
  test("sends exactly the request line, Host and Connection: close on a connection of its own", async () => {
    const server = member((s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nUP"));
    expect(await probe(server)).toEqual({ status: 200, body: "UP" });
    expect(await probe(server)).toEqual({ status: 200, body: "UP" });
    expect(server.heads).toEqual(Array(2).fill("GET /health?x=1 HTTP/1.1\r\nhost: health.internal\r\nconnection: close\r\n\r\n"));
    expect(server.accepted).toBe(2);
  });

  test("reads a chunked body decoded, and a body that ends at the close", async () => {
    const chunked = member((s) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nsta\r\n5\r\ntus U\r\n1\r\nP\r\n0\r\n\r\n"));
    expect((await probe(chunked)).body).toBe("status UP");
    const untilClose = member((s) => {
      s.write("HTTP/1.0 200 OK\r\n\r\nall of it");
      s.end();
    });
    expect((await probe(untilClose)).body).toBe("all of it");
  });

  test("skips interim 1xx answers and takes the status of the final one", async () => {
    const server = member((s) => s.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nDOWN"));
    expect(await probe(server)).toEqual({ status: 503, body: "DOWN" });
  });

  test("a 101 is a final answer (nothing asked to upgrade), not an interim one to wait past", async () => {
    const server = member((s) => s.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n")); // then silence
    expect(await probe(server)).toEqual({ status: 101, body: "" });
  });

  test("without a body pattern it answers at the head and reads no body", async () => {
    const server = member((s) => s.write("HTTP/1.1 204 No Content\r\n\r\n")); // and never closes
    expect(await probe(server, false)).toEqual({ status: 204, body: undefined });
    const endless = member((s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\nstart"));
    expect(await probe(endless, false)).toEqual({ status: 200, body: undefined });
  });

  test("a HEAD probe reads no body whatever its Content-Length says", async () => {
    const server = member((s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"));
    expect(await probe(server, true, "HEAD")).toEqual({ status: 200, body: "" });
  });

  test(`keeps only the first ${PROBE_BODY_MAX} bytes of a larger body and answers without the rest`, async () => {
    const server = member((s) => s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${2 * PROBE_BODY_MAX}\r\n\r\n${"a".repeat(PROBE_BODY_MAX + 10)}`));
    const answer = await probe(server);
    expect(answer.body?.length).toBe(PROBE_BODY_MAX);
  });

  test("a close before the head or in the middle of a sized body is an UpstreamError", async () => {
    const early = member((s) => s.end());
    const e1 = await failure(probe(early));
    expect([e1 instanceof UpstreamError, e1.message]).toEqual([true, "upstream closed the connection before responding"]);
    const cut = member((s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
      s.end();
    });
    expect((await failure(probe(cut))).message).toBe("upstream closed the connection mid-body");
  });

  test("a reset is said in the proxy's words, before the answer, within the head or mid-body; the socket's error is the cause", async () => {
    const cases: [string, string][] = [
      ["", "upstream reset the connection before responding"],
      ["HTTP/1.1 200 OK\r\ncontent-", "upstream reset the connection before the response head was complete"],
      ["HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc", "upstream reset the connection mid-body"],
    ];
    for (const [sent, message] of cases) {
      const server = member((s) => {
        if (sent) s.write(sent);
        s.flush();
        s.terminate(); // RST
      });
      const err = await failure(probe(server));
      expect([err instanceof UpstreamError, err.message, err.cause instanceof Error]).toEqual([true, message, true]);
    }
  });

  test("a FIN within the head says the head was cut short", async () => {
    const server = member((s) => s.end("HTTP/1.1 200 OK\r\ncontent-"));
    expect((await failure(probe(server))).message).toBe("upstream closed the connection before the response head was complete");
  });

  test("a character the 64 KiB cut splits is dropped, not turned into U+FFFD", async () => {
    const body = "a".repeat(PROBE_BODY_MAX - 1) + "é"; // é is 2 bytes: its second falls past the cut
    const server = member((s) => s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
    expect((await probe(server)).body).toBe("a".repeat(PROBE_BODY_MAX - 1));
  });

  test("a malformed head is refused by the strict parser", async () => {
    const server = member((s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nx"));
    const err = await failure(probe(server));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toStartWith("malformed upstream response");
  });

  test("cancelling rejects with the reason and closes the connection", async () => {
    const asked = Promise.withResolvers<void>();
    const server = member(() => asked.resolve()); // never answers
    const cancel = new Cancel();
    const pending = probe(server, true, "GET", cancel);
    await asked.promise;
    const closed = server.closed;
    cancel.abort(new Error("probe timed out"));
    expect((await failure(pending)).message).toBe("probe timed out");
    await closed;
  });
});

describe("sendProbe to a member that demands a client certificate", () => {
  test("without one, the TLS 1.3 member's alert is the failure, in the setting's words", async () => {
    const { createCA, issueLeaf } = await import("../../src/tls/issue.ts");
    const { createServer } = await import("node:tls");
    const ca = await createCA({ cn: "Probe CA" });
    const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "m", sans: ["127.0.0.1"] });
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" }, (c) => c.end("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
    server.on("tlsClientError", () => {});
    const port = await new Promise<number>((ok) => server.listen(0, "127.0.0.1", () => ok((server.address() as { port: number }).port)));
    cleanups.push(() => server.close());
    const dialer = new Dialer(new URL(`https://127.0.0.1:${port}`), { verify: true, ca: ca.certPem });
    const err = await failure(sendProbe(dialer, { method: "GET", target: "/", host: "m" }, 2000, false, new Cancel()));
    expect(err.message).toContain("the member asks for a client certificate; give it as tls.cert and tls.key");
  });
});

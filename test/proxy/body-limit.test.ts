import { describe, expect, test } from "bun:test";
import { limitBody } from "../../src/proxy/body-limit.ts";

const enc = new TextEncoder();

/** A request whose body streams in the given chunks, with no Content-Length (chunked, as on the wire). */
function chunkedRequest(chunks: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      for (const c of chunks) ctrl.enqueue(c);
      ctrl.close();
    },
  });
  const req = new Request("http://h/upload", { method: "POST", body, duplex: "half", headers: { "transfer-encoding": "chunked" } } as RequestInit);
  expect(req.headers.get("content-length")).toBeNull();
  return req;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("limitBody", () => {
  test("no limit: the body passes as is", () => {
    const req = new Request("http://h/", { method: "POST", body: "x".repeat(100), headers: { "content-length": "100" } });
    const out = limitBody(req, undefined);
    expect(out).not.toBe("too_large");
    if (out === "too_large") return;
    expect(out.body).toBe(req.body);
    expect(out.exceeded()).toBe(false);
  });

  test("a body without Content-Length or Transfer-Encoding is no body (RFC 9112 6.3)", () => {
    const out = limitBody(new Request("http://h/", { method: "POST", body: "x" }), 10);
    expect(out).not.toBe("too_large");
    if (out !== "too_large") expect(out.body).toBeNull();
  });

  test("no body: nothing to limit", () => {
    const out = limitBody(new Request("http://h/"), 10);
    expect(out).not.toBe("too_large");
    if (out !== "too_large") {
      expect(out.body).toBeNull();
      expect(out.exceeded()).toBe(false);
    }
  });

  test("a declared Content-Length over the limit is too_large before reading", () => {
    const req = new Request("http://h/", { method: "POST", body: "x".repeat(11), headers: { "content-length": "11" } });
    expect(limitBody(req, 10)).toBe("too_large");
    expect(req.bodyUsed).toBe(false);
  });

  test("a declared Content-Length at or under the limit passes untouched", async () => {
    for (const n of [10, 9, 0]) {
      const req = new Request("http://h/", { method: "POST", body: "y".repeat(n), headers: { "content-length": String(n) } });
      const out = limitBody(req, 10);
      expect(out).not.toBe("too_large");
      if (out === "too_large" || !out.body) {
        expect(n).toBe(0);
        continue;
      }
      expect(new TextDecoder().decode(await readAll(out.body))).toBe("y".repeat(n));
      expect(out.exceeded()).toBe(false);
    }
  });

  test("a chunked body under the limit passes byte for byte", async () => {
    const chunks = [enc.encode("hello "), new Uint8Array([0, 255, 1, 254]), enc.encode("world")];
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    const out = limitBody(chunkedRequest(chunks), total);
    expect(out).not.toBe("too_large");
    if (out === "too_large") return;
    const got = await readAll(out.body!);
    expect([...got]).toEqual(chunks.flatMap((c) => [...c]));
    expect(out.exceeded()).toBe(false);
  });

  test("a chunked body over the limit errors the stream and reports exceeded()", async () => {
    const out = limitBody(chunkedRequest([enc.encode("12345"), enc.encode("67890"), enc.encode("X")]), 10);
    expect(out).not.toBe("too_large");
    if (out === "too_large") return;
    expect(out.exceeded()).toBe(false); // nothing read yet
    const reader = out.body!.getReader();
    const seen: string[] = [];
    let error: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        seen.push(new TextDecoder().decode(value));
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain("exceeds 10 bytes");
    expect(out.exceeded()).toBe(true);
    // Only what fits under the limit was passed on.
    expect(seen.join("")).toBe("1234567890");
  });

  test("a single chunk larger than the limit is never passed on", async () => {
    const out = limitBody(chunkedRequest([new Uint8Array(64)]), 63);
    if (out === "too_large") throw new Error("unexpected too_large");
    const reader = out.body!.getReader();
    await expect(reader.read()).rejects.toThrow(/exceeds 63 bytes/);
    expect(out.exceeded()).toBe(true);
  });

  test("a real chunked upload through Bun.serve is counted as it streams", async () => {
    const server = Bun.serve({
      port: 0,
      async fetch(req) {
        const out = limitBody(req, 1000);
        if (out === "too_large") return new Response("declared too large", { status: 413 });
        try {
          const n = (await readAll(out.body!)).byteLength;
          return new Response(`ok ${n}`);
        } catch {
          return new Response(`cut exceeded=${out.exceeded()}`, { status: 413 });
        }
      },
    });
    const stream = (sizes: number[]) =>
      new ReadableStream<Uint8Array>({
        start(ctrl) {
          for (const s of sizes) ctrl.enqueue(new Uint8Array(s).fill(97));
          ctrl.close();
        },
      });
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const small = await fetch(url, { method: "POST", body: stream([400, 400]), duplex: "half" } as RequestInit);
      expect([small.status, await small.text()]).toEqual([200, "ok 800"]);
      const big = await fetch(url, { method: "POST", body: stream([600, 600]), duplex: "half" } as RequestInit);
      expect([big.status, await big.text()]).toEqual([413, "cut exceeded=true"]);
      const declared = await fetch(url, { method: "POST", body: "z".repeat(1001) });
      expect([declared.status, await declared.text()]).toEqual([413, "declared too large"]);
    } finally {
      server.stop(true);
    }
  });
});

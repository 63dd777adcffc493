import { afterEach, describe, expect, test } from "bun:test";
import { ConnectError, UpstreamClient, UpstreamError } from "../../src/upstream/client.ts";
import { CONNECT, get, rawServer, rawWithClient } from "./raw-server.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function serve(fetch: (req: Request) => Response | Promise<Response>) {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, maxRequestBodySize: 1 << 30, fetch });
  const client = new UpstreamClient(new URL(`http://127.0.0.1:${server.port}`));
  cleanups.push(() => {
    client.close();
    server.stop(true);
  });
  return client;
}

const raw = (onRequest: Parameters<typeof rawServer>[0]) => rawWithClient(onRequest, cleanups);

/** A body stream of `total` pseudo-random bytes in `size` chunks, plus its SHA-256. */
function randomBody(total: number, size: number) {
  const data = new Uint8Array(total);
  for (let i = 0; i < total; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(total, i + 65536)));
  let off = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (off >= total) return c.close();
      c.enqueue(data.slice(off, off + size));
      off += size;
    },
  });
  return { stream, hash: new Bun.CryptoHasher("sha256").update(data).digest("hex") };
}

const hashOf = async (req: Request) => new Bun.CryptoHasher("sha256").update(await req.arrayBuffer()).digest("hex");

describe("request framing", () => {
  test("head bytes are exactly what was given: no invented headers", async () => {
    const { client, server } = raw((s) => s.write("HTTP/1.1 204 No Content\r\n\r\n"));
    const headers = new Headers([
      ["Host", "api.test"],
      ["X-Custom", "a b\u00e9"],
      ["Cookie", "a=1"],
    ]);
    await client.request({ method: "DELETE", target: "/x/%20y?z=1&w", headers, body: null }, CONNECT);
    // Headers iteration sorts and lowercases names; \u00e9 goes out as one latin1 byte.
    expect(server.heads[0]).toBe("DELETE /x/%20y?z=1&w HTTP/1.1\r\ncookie: a=1\r\nhost: api.test\r\nx-custom: a b\u00e9\r\n\r\n");
  });

  test("POST streams a 5 MB body with content-length intact", async () => {
    let seen = { hash: "", te: null as string | null, cl: null as string | null };
    const client = serve(async (req) => {
      seen = { hash: await hashOf(req), te: req.headers.get("transfer-encoding"), cl: req.headers.get("content-length") };
      return new Response("done");
    });
    const { stream, hash } = randomBody(5 * 1024 * 1024, 100_000);
    const headers = new Headers({ host: "h", "content-length": String(5 * 1024 * 1024) });
    const res = await client.request({ method: "POST", target: "/up", headers, body: stream }, CONNECT);
    expect(await res.text()).toBe("done");
    expect(seen).toEqual({ hash, te: null, cl: String(5 * 1024 * 1024) });
  });

  test("a body without content-length is sent chunked", async () => {
    let seen = { hash: "", te: null as string | null };
    const client = serve(async (req) => {
      seen = { hash: await hashOf(req), te: req.headers.get("transfer-encoding") };
      return new Response("done");
    });
    const { stream, hash } = randomBody(5 * 1024 * 1024, 65_536);
    const res = await client.request({ method: "PUT", target: "/", headers: new Headers({ host: "h" }), body: stream }, CONNECT);
    expect(await res.text()).toBe("done");
    expect(seen).toEqual({ hash, te: "chunked" });
    // And the connection is reusable after a streamed upload.
    expect(await (await client.request(get("/", { host: "h" }), CONNECT)).text()).toBe("done");
  });

  test("a body shorter than its content-length fails with EREQBODY", async () => {
    const client = serve(async (req) => new Response(await req.text()));
    const body = new Response("abc").body!;
    const headers = new Headers({ host: "h", "content-length": "10" });
    const err = await client.request({ method: "POST", target: "/", headers, body }, CONNECT).catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe("EREQBODY");
  });
});

describe("abort and timeouts", () => {
  test("abort while waiting for the head rejects with the reason and closes the socket", async () => {
    const headSeen = Promise.withResolvers<void>();
    const { client, server } = raw(() => headSeen.resolve()); // never answers
    const ac = new AbortController();
    const p = client.request({ ...get(), signal: ac.signal }, CONNECT);
    await headSeen.promise;
    ac.abort(new Error("client went away"));
    const err = await p.catch((e: unknown) => e);
    expect((err as Error).message).toBe("client went away");
    await server.closed; // the upstream saw the connection go
    expect(client.idleCount).toBe(0);
  });

  test("abort while streaming the body errors the stream and closes the socket", async () => {
    const { client, server } = raw((s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc"));
    const ac = new AbortController();
    const res = await client.request({ ...get(), signal: ac.signal }, CONNECT);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("abc");
    ac.abort(new Error("gone"));
    const err = await reader.read().catch((e: unknown) => e);
    expect((err as Error).message).toBe("gone");
    await server.closed;
    expect(client.idleCount).toBe(0);
  });

  test("an already-aborted signal rejects without connecting", async () => {
    const { client, server } = raw(() => {});
    const err = await client.request({ ...get(), signal: AbortSignal.abort(new Error("early")) }, CONNECT).catch((e: unknown) => e);
    expect((err as Error).message).toBe("early");
    expect(server.accepted).toBe(0);
  });

  test("connect timeout => ConnectError ETIMEDOUT (listener with a full backlog)", async () => {
    // Bun cannot make a non-accepting listener, so python3 holds a socket with
    // listen(0) and never accepts; once its one queue slot is taken the kernel
    // drops further SYNs and connect() hangs (loopback-only: no blackhole IPs).
    const py = Bun.spawn(
      ["python3", "-c", "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"],
      { stdin: "pipe", stdout: "pipe" },
    );
    cleanups.push(() => py.kill());
    const r = py.stdout.getReader();
    const port = Number(new TextDecoder().decode((await r.read()).value).trim());
    const filler = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    cleanups.push(() => filler.terminate());
    const client = new UpstreamClient(new URL(`http://127.0.0.1:${port}`));
    const t0 = performance.now();
    const err = await client
      .request({ ...get(), signal: AbortSignal.timeout(5000) }, { connectTimeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe("ETIMEDOUT");
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

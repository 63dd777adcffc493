import { afterEach, describe, expect, test } from "bun:test";
import { UpstreamClient, UpstreamError } from "../../src/upstream/client.ts";
import { CONNECT, get, rawServer, rawWithClient, type RawServer } from "./raw-server.ts";
import { bufferedBody } from "../../src/upstream/make-response.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const raw = (onRequest: Parameters<typeof rawServer>[0]) => rawWithClient(onRequest, cleanups);

function serve(fetch: (req: Request) => Response | Promise<Response>) {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch });
  const client = new UpstreamClient(new URL(`http://127.0.0.1:${server.port}`));
  cleanups.push(() => {
    client.close();
    server.stop(true);
  });
  return { server, client };
}

describe("response framing", () => {
  test("content-length body from Bun.serve, status and headers as received", async () => {
    const { client } = serve((req) => new Response(`hi ${new URL(req.url).pathname}`, { status: 201, headers: { "x-up": "1" } }));
    const res = await client.request(get("/a/b?q=1", { host: "example.test" }), CONNECT);
    expect(res.status).toBe(201);
    expect(res.headers.get("x-up")).toBe("1");
    expect(res.headers.get("content-length")).toBe("7");
    expect(await res.text()).toBe("hi /a/b");
  });

  test("body split across packets is streamed whole", async () => {
    const { client } = raw((s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
      queueMicrotask(() => s.write("defghij"));
    });
    const res = await client.request(get(), CONNECT);
    expect(await res.text()).toBe("abcdefghij");
  });

  test("chunked with extensions and trailers is decoded, TE header kept", async () => {
    const { client } = raw((s) => {
      s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n");
      queueMicrotask(() => s.write('6 ; q="x"\r\n world\r\n0\r\nx-trailer: t\r\nx-other: u\r\n\r\n'));
    });
    const res = await client.request(get(), CONNECT);
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(await res.text()).toBe("hello world");
  });

  test("chunked body fully in the first packet takes the fast path", async () => {
    const { client, server } = raw((s) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
    expect(await (await client.request(get(), CONNECT)).text()).toBe("abcde");
    expect(await (await client.request(get(), CONNECT)).text()).toBe("abcde");
    expect(server.accepted).toBe(1);
  });

  test("no framing: read until close, socket not reused", async () => {
    const { client, server } = raw((s) => {
      s.write("HTTP/1.1 200 OK\r\n\r\nuntil");
      queueMicrotask(() => s.end(" close"));
    });
    expect(await (await client.request(get(), CONNECT)).text()).toBe("until close");
    expect(await (await client.request(get(), CONNECT)).text()).toBe("until close");
    expect(server.accepted).toBe(2);
  });

  test("HEAD, 204 and 304 have no body even with content-length", async () => {
    const { client, server } = raw((s, head) => {
      if (head.startsWith("HEAD")) s.write("HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n");
      else if (head.includes("/204")) s.write("HTTP/1.1 204 No Content\r\n\r\n");
      else s.write("HTTP/1.1 304 Not Modified\r\netag: x\r\n\r\n");
    });
    const h = await client.request(get("/", {}, "HEAD"), CONNECT);
    expect(h.headers.get("content-length")).toBe("42");
    expect(h.body).toBeNull();
    const n = await client.request(get("/204"), CONNECT);
    expect(n.status).toBe(204);
    expect(n.body).toBeNull();
    const m = await client.request(get("/304"), CONNECT);
    expect(m.status).toBe(304);
    expect(m.headers.get("etag")).toBe("x");
    // All three were complete without a body, so one connection served them.
    expect(server.accepted).toBe(1);
  });

  test("duplicate Set-Cookie headers are preserved", async () => {
    const { client } = raw((s) => s.write("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2; Path=/\r\ncontent-length: 0\r\n\r\n"));
    const res = await client.request(get(), CONNECT);
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2; Path=/"]);
  });

  test("100 Continue (and other 1xx) are skipped", async () => {
    const { client } = raw((s) => {
      s.write("HTTP/1.1 100 Continue\r\n\r\n");
      queueMicrotask(() => s.write("HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
    });
    const res = await client.request(get(), CONNECT);
    expect(res.status).toBe(200);
    expect(res.headers.get("link")).toBeNull();
    expect(await res.text()).toBe("ok");
  });

  test("101 is returned as a final, body-less response with status 101", async () => {
    const { client } = raw((s) => s.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n"));
    const res = await client.request(get(), CONNECT);
    expect(res.status).toBe(101);
    expect(res.headers.get("upgrade")).toBe("websocket");
    expect(res.body).toBeNull();
  });

  for (const [name, head] of [
    ["bad status line", "HTTP/1.1 2000 OK\r\n\r\n"],
    ["not HTTP", "ICY 200 OK\r\n\r\n"],
    ["header without colon", "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n"],
    ["both CL and TE", "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n"],
    ["invalid content-length", "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n"],
    ["differing content-lengths", "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"],
    ["transfer-encoding gzip (read-until-close, coded bytes)", "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nabcdef"],
    ["transfer-encoding gzip, chunked", "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"],
  ] as const) {
    test(`malformed head rejected: ${name}`, async () => {
      const { client } = raw((s) => s.write(head));
      const err = await client.request(get(), CONNECT).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).code).toBe("EMALFORMED");
    });
  }
});

describe("truncation errors the body stream", () => {
  test("content-length body cut short", async () => {
    const { client } = raw((s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part");
      queueMicrotask(() => s.end());
    });
    const res = await client.request(get(), CONNECT);
    const err = await res.text().catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe("ETRUNCATED");
  });

  test("chunked body without the last chunk", async () => {
    const { client } = raw((s) => {
      s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n");
      queueMicrotask(() => s.end());
    });
    const res = await client.request(get(), CONNECT);
    const err = await res.text().catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe("ETRUNCATED");
  });

  test("close before the head is complete rejects with ECONNRESET", async () => {
    const { client } = raw((s) => s.end("HTTP/1.1 200 OK\r\ncontent-le"));
    const err = await client.request(get(), CONNECT).catch((e: unknown) => e);
    expect((err as UpstreamError).code).toBe("ECONNRESET");
  });
});

/** Sends `res` through a Bun.serve and returns the response head as the client receives it. */
async function wireHead(res: Response): Promise<string> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: () => res });
  cleanups.push(() => server.stop(true));
  const text = await new Promise<string>((resolve) => {
    let buf = "";
    void Bun.connect({ hostname: "127.0.0.1", port: server.port!, socket: {
      open(s) { s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); },
      data(_s, d) { buf += d.toString("latin1"); },
      close() { resolve(buf); },
    } });
  });
  return text;
}

describe("no invented headers", () => {
  const bodies = [
    ["whole body", (s: { write(t: string): unknown }) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")],
    ["whole chunked body", (s: { write(t: string): unknown }) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")],
    ["body split across writes", (s: { write(t: string): unknown }) => { s.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel"); queueMicrotask(() => s.write("lo")); }],
    ["empty body", (s: { write(t: string): unknown }) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")],
  ] as const;
  for (const [name, answer] of bodies) {
    test(`${name} without Content-Type is sent without one`, async () => {
      const { client } = raw((s) => answer(s));
      const head = await wireHead(await client.request(get(), CONNECT));
      expect(head.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
      expect(head.toLowerCase()).not.toContain("content-type");
      if (name !== "empty body") expect(head.endsWith("hello")).toBe(true);
    });
  }

  test("an upstream Content-Type is kept, and a whole body stays available as bufferedBody", async () => {
    const { client } = raw((s) => s.write("HTTP/1.1 200 OK\r\ncontent-type: text/x-up\r\ncontent-length: 5\r\n\r\nhello"));
    const res = await client.request(get(), CONNECT);
    expect(new TextDecoder().decode(bufferedBody(res))).toBe("hello");
    const head = await wireHead(res);
    expect(head.toLowerCase().match(/content-type: [^\r]*/g)).toEqual(["content-type: text/x-up"]);
  });

  test("a whole body without Content-Type is still available as bufferedBody", async () => {
    const { client } = raw((s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"));
    const res = await client.request(get(), CONNECT);
    expect(new TextDecoder().decode(bufferedBody(res))).toBe("hello");
    expect(await res.text()).toBe("hello");
  });
});

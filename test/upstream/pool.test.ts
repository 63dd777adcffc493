import { afterEach, describe, expect, test } from "bun:test";
import { ConnectError, UpstreamClient, UpstreamError } from "../../src/upstream/client.ts";
import type { Socket } from "bun";
import { CONNECT, get, rawServer, type RawConn, type RawServer } from "./raw-server.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function raw(onRequest: Parameters<typeof rawServer>[0], opts?: ConstructorParameters<typeof UpstreamClient>[1]) {
  const server: RawServer = rawServer(onRequest);
  const client = new UpstreamClient(server.origin, opts);
  cleanups.push(() => {
    client.close();
    server.stop();
  });
  return { server, client };
}

const OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

describe("keep-alive pool", () => {
  test("sequential requests reuse one connection", async () => {
    const { client, server } = raw((s) => s.write(OK));
    for (let i = 0; i < 3; i++) expect(await (await client.request(get(), CONNECT)).text()).toBe("ok");
    expect(server.accepted).toBe(1);
    expect(server.heads.length).toBe(3);
    expect(client.idleCount).toBe(1);
  });

  test("a streamed body releases the socket only once fully read", async () => {
    let held: Socket<RawConn> | null = null;
    const { client, server } = raw((s) => {
      if (server.heads.length === 1) {
        s.write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab");
        held = s;
      } else s.write(OK);
    });
    const res = await client.request(get(), CONNECT);
    expect(client.idleCount).toBe(0);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ab");
    expect(client.idleCount).toBe(0);
    held!.write("cd");
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("cd");
    expect((await reader.read()).done).toBe(true);
    expect(client.idleCount).toBe(1);
    await (await client.request(get(), CONNECT)).text();
    expect(server.accepted).toBe(1);
  });

  test("a body not read to the end is never reused", async () => {
    const { client, server } = raw((s) => {
      if (server.heads.length === 1) s.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
      else s.write(OK);
    });
    const res = await client.request(get(), CONNECT);
    await res.body!.cancel();
    expect(client.idleCount).toBe(0);
    expect(await (await client.request(get(), CONNECT)).text()).toBe("ok");
    expect(server.accepted).toBe(2);
  });

  test("Connection: close response => next request opens a new connection", async () => {
    const { client, server } = raw((s) => s.write("HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 2\r\n\r\nok"));
    await (await client.request(get(), CONNECT)).text();
    expect(client.idleCount).toBe(0);
    await (await client.request(get(), CONNECT)).text();
    expect(server.accepted).toBe(2);
  });

  test("HTTP/1.0 without keep-alive is not reused; with keep-alive it is", async () => {
    let keepAlive = false;
    const { client, server } = raw((s) =>
      s.write(`HTTP/1.0 200 OK\r\n${keepAlive ? "Connection: keep-alive\r\n" : ""}content-length: 2\r\n\r\nok`),
    );
    await (await client.request(get(), CONNECT)).text();
    await (await client.request(get(), CONNECT)).text();
    expect(server.accepted).toBe(2);
    keepAlive = true;
    await (await client.request(get(), CONNECT)).text();
    await (await client.request(get(), CONNECT)).text();
    expect(server.accepted).toBe(3);
  });

  test("idle sockets above maxIdle are closed", async () => {
    const { client, server } = raw((s) => s.write(OK), { maxIdle: 2 });
    const rs = await Promise.all(Array.from({ length: 5 }, () => client.request(get(), CONNECT)));
    await Promise.all(rs.map((r) => r.text()));
    expect(server.accepted).toBe(5);
    expect(client.idleCount).toBe(2);
  });

  test("keep-alive race: server closed the pooled socket => replayed once on a fresh one", async () => {
    const { client, server } = raw((s) => {
      // The first connection answers once, then closes the idle socket without telling
      // the client in advance; later requests on that socket hit a closed peer.
      if (s.data.id === 0 && server.heads.length > 1) s.terminate();
      else s.write(OK);
    });
    expect(await (await client.request(get(), CONNECT)).text()).toBe("ok");
    // Socket 0 is pooled; the server kills it only when the 2nd request arrives on it.
    expect(await (await client.request(get(), CONNECT)).text()).toBe("ok");
    expect(server.accepted).toBe(2);
    expect(server.heads.length).toBe(3);
  });

  test("keep-alive race: a non-idempotent request is never replayed (the server may have acted on it)", async () => {
    for (const [method, headers] of [["POST", { "content-length": "0" }], ["POST", {}], ["PATCH", { "content-length": "0" }]] as const) {
      const { client, server } = raw((s) => {
        // The server reads the request on the pooled socket, then closes without answering.
        if (s.data.id === 0 && server.heads.length > 1) s.terminate();
        else s.write(OK);
      });
      expect(await (await client.request(get(), CONNECT)).text()).toBe("ok");
      const err = await client.request(get("/charge", headers, method), CONNECT).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).code).toBe("ECONNRESET");
      expect(server.heads.filter((h) => h.startsWith(`${method} `)).length).toBe(1);
      expect(server.accepted).toBe(1);
    }
  });

  test("keep-alive race: idempotent methods are replayed once", async () => {
    for (const method of ["HEAD", "OPTIONS", "PUT", "DELETE"]) {
      const { client, server } = raw((s, head) => {
        if (s.data.id === 0 && server.heads.length > 1) s.terminate();
        else s.write(head.startsWith("HEAD ") ? "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n" : OK);
      });
      await (await client.request(get(), CONNECT)).text();
      const res = await client.request(get("/x", { "content-length": "0" }, method), CONNECT);
      expect(res.status).toBe(200);
      await res.text();
      expect(server.heads.filter((h) => h.startsWith(`${method} `)).length).toBe(2);
      expect(server.accepted).toBe(2);
    }
  });

  test("300 concurrent requests all succeed, one connection each", async () => {
    const { client, server } = raw((s) => s.write(OK));
    const rs = await Promise.all(Array.from({ length: 300 }, () => client.request(get(), CONNECT)));
    const bodies = await Promise.all(rs.map((r) => r.text()));
    expect(bodies.every((b) => b === "ok")).toBe(true);
    expect(server.accepted).toBe(300);
    expect(client.idleCount).toBe(300);
  });
});

describe("connect errors", () => {
  test("refused port => ConnectError ECONNREFUSED", async () => {
    const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = l.port;
    l.stop(true);
    const client = new UpstreamClient(new URL(`http://127.0.0.1:${port}`));
    const err = await client.request(get(), CONNECT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe("ECONNREFUSED");
  });
});

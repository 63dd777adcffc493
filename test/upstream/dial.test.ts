/** Dialer: plain and TLS connections to a member, the connect timeout over the handshake, verification, session reuse. */
import { afterEach, expect, test } from "bun:test";
import type { Socket, SocketHandler } from "bun";
import { UpstreamClient } from "../../src/upstream/client.ts";
import { Dialer, type Dialed } from "../../src/upstream/dial.ts";
import { ConnectError, UpstreamError } from "../../src/upstream/errors.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { CONNECT, get, rawServer } from "./raw-server.ts";

const ca = await createCA({ cn: "Dial CA" });
const other = await createCA({ cn: "Other CA" });
const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1", "member.test"] });
const expired = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "member", sans: ["127.0.0.1"], days: -1 });
const TLS = { cert: leaf.certPem, key: leaf.keyPem };
const OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tlsPair(tls = TLS, opts: { verify?: boolean; ca?: string; serverName?: string } = {}) {
  const server = rawServer((s) => s.write(OK), tls);
  const dialer = new Dialer(server.origin, { verify: opts.verify ?? true, ca: opts.ca ?? ca.certPem, serverName: opts.serverName });
  const client = new UpstreamClient(dialer);
  cleanups.push(() => {
    client.close();
    server.stop();
  });
  return { server, dialer, client };
}

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

test("an https:// member gets exactly the request's headers over TLS and the socket is pooled", async () => {
  const { client, server } = tlsPair();
  for (let i = 0; i < 2; i++) expect(await (await client.request(get("/a", { host: "member.test", "x-one": "1" }), CONNECT)).text()).toBe("ok");
  expect(server.heads[0]).toBe("GET /a HTTP/1.1\r\nhost: member.test\r\nx-one: 1\r\n\r\n");
  expect(server.accepted).toBe(1);
});

test("the next connection resumes the TLS session of an earlier one", async () => {
  const { dialer, client } = tlsPair();
  await (await client.request(get(), CONNECT)).text();
  expect(dialer.hasSession).toBe(true);
  const data = { closed: false };
  const handlers: SocketHandler<Dialed> = { data() {}, close() {} };
  const s: Socket<Dialed> = await dialer.connect(data, handlers, 2000);
  const reused = s.isSessionReused();
  s.terminate();
  expect(reused).toBe(true);
});

test("a certificate that fails verification is a connect failure naming the reason", async () => {
  expect((await failure(tlsPair(TLS, { ca: other.certPem }).client.request(get(), CONNECT))).message).toBe("TLS: unable to verify the first certificate");
  const stale = await failure(tlsPair({ cert: expired.certPem, key: expired.keyPem }).client.request(get(), CONNECT));
  expect([stale.code, stale.message]).toEqual(["CERT_HAS_EXPIRED", "TLS: certificate has expired"]);
  expect((await failure(tlsPair(TLS, { serverName: "else.test" }).client.request(get(), CONNECT))).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
});

test("serverName is the name verified; verify: false takes any certificate", async () => {
  expect(await (await tlsPair(TLS, { serverName: "member.test" }).client.request(get(), CONNECT)).text()).toBe("ok");
  expect(await (await tlsPair({ cert: expired.certPem, key: expired.keyPem }, { verify: false, ca: other.certPem }).client.request(get(), CONNECT)).text()).toBe("ok");
});

test("the connect timeout covers a handshake the member never answers", async () => {
  const mute = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  cleanups.push(() => mute.stop(true));
  const client = new UpstreamClient(new Dialer(new URL(`https://127.0.0.1:${mute.port}`), { verify: true, ca: ca.certPem }));
  const started = performance.now();
  const err = await failure(client.request(get(), { connectTimeoutMs: 200 }));
  expect([err.code, err.message]).toEqual(["ETIMEDOUT", `TLS handshake with 127.0.0.1:${mute.port} timed out after 200 ms`]);
  expect(performance.now() - started).toBeLessThan(2000);
});

test("refused: a ConnectError in the proxy's words; a member that closes after the request is no connect failure", async () => {
  const gone = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = gone.port;
  gone.stop(true);
  const refused = await failure(new UpstreamClient(new Dialer(new URL(`https://127.0.0.1:${port}`))).request(get(), CONNECT));
  expect(refused.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  const server = rawServer((s) => s.end(), TLS);
  cleanups.push(() => server.stop());
  const post = { method: "POST", target: "/", headers: new Headers({ "content-length": "0" }), body: null };
  const err = await new UpstreamClient(new Dialer(server.origin, { verify: true, ca: ca.certPem })).request(post, CONNECT).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
});

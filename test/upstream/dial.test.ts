/** Dialer: plain and TLS connections to a member, the connect timeout over the handshake, verification, session reuse. */
import { afterEach, expect, test } from "bun:test";
import type { Socket, SocketHandler } from "bun";
import { sendProbe } from "../../src/health/probe.ts";
import { Cancel } from "../../src/proxy/cancel.ts";
import { Dialer, type Dialed } from "../../src/upstream/dial.ts";
import { ConnectError, UpstreamError } from "../../src/upstream/errors.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { rawServer } from "./raw-server.ts";
import { createServer as tlsServer } from "node:tls";

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

/** One request over a Dialer: the active probe, the Dialer's client besides the engine's MemberLane. */
function request(dialer: Dialer, target = "/", host = "member.test", connectTimeoutMs = 1000): Promise<string | undefined> {
  return sendProbe(dialer, { method: "GET", target, host }, connectTimeoutMs, true, new Cancel()).then((a) => a.body);
}

function tlsPair(tls = TLS, opts: { verify?: boolean; ca?: string; serverName?: string } = {}) {
  const server = rawServer((s) => s.write(OK), tls);
  const dialer = new Dialer(server.origin, { verify: opts.verify ?? true, ca: opts.ca ?? ca.certPem, serverName: opts.serverName });
  cleanups.push(() => server.stop());
  return { server, dialer };
}

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

test("an https:// member gets exactly the request's head over TLS", async () => {
  const { dialer, server } = tlsPair();
  expect(await request(dialer, "/a")).toBe("ok");
  expect(server.heads[0]).toBe("GET /a HTTP/1.1\r\nhost: member.test\r\nconnection: close\r\n\r\n");
});

test("the next connection resumes the TLS session of an earlier one", async () => {
  const { dialer } = tlsPair();
  await request(dialer);
  expect(dialer.hasSession).toBe(true);
  const data = { closed: false };
  const handlers: SocketHandler<Dialed> = { data() {}, close() {} };
  const s: Socket<Dialed> = await dialer.connect(data, handlers, 2000);
  const reused = s.isSessionReused();
  s.terminate();
  expect(reused).toBe(true);
});

test("a certificate that fails verification is a connect failure naming the reason", async () => {
  expect((await failure(request(tlsPair(TLS, { ca: other.certPem }).dialer))).message).toBe("TLS: its certificate is not signed by a CA in tls.ca (without tls.ca: the system's CAs); give the CA that signed it as tls.ca (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
  const stale = await failure(request(tlsPair({ cert: expired.certPem, key: expired.keyPem }).dialer));
  expect([stale.code, stale.message]).toEqual(["CERT_HAS_EXPIRED", "TLS: certificate has expired"]);
  const name = await failure(request(tlsPair(TLS, { serverName: "else.test" }).dialer));
  expect([name.code, name.message]).toEqual(["ERR_TLS_CERT_ALTNAME_INVALID", "TLS: its certificate is not for else.test; set tls.serverName to a name the certificate holds (ERR_TLS_CERT_ALTNAME_INVALID)"]);
});

test("serverName is the name verified; verify: false takes any certificate", async () => {
  expect(await request(tlsPair(TLS, { serverName: "member.test" }).dialer)).toBe("ok");
  expect(await request(tlsPair({ cert: expired.certPem, key: expired.keyPem }, { verify: false, ca: other.certPem }).dialer)).toBe("ok");
  // An untrusted issuer, and a certificate for another name: both taken with verify: false.
  expect(await request(tlsPair(TLS, { verify: false, ca: other.certPem }).dialer)).toBe("ok");
  expect(await request(tlsPair(TLS, { verify: false, serverName: "else.test" }).dialer)).toBe("ok");
  const bare = tlsPair(TLS, { verify: false });
  expect(await request(new Dialer(bare.server.origin, { verify: false })).catch((e: Error) => e.message)).toBe("ok");
});

test("the connect timeout covers a handshake the member never answers", async () => {
  const mute = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  cleanups.push(() => mute.stop(true));
  const dialer = new Dialer(new URL(`https://127.0.0.1:${mute.port}`), { verify: true, ca: ca.certPem });
  const started = performance.now();
  const err = await failure(request(dialer, "/", "member.test", 200));
  expect([err.code, err.message]).toEqual(["ETIMEDOUT", `TLS handshake with 127.0.0.1:${mute.port} timed out after 200 ms`]);
  expect(performance.now() - started).toBeLessThan(2000);
});

test("refused: a ConnectError in the proxy's words; a member that closes after the request is no connect failure", async () => {
  const port = 1; // nothing listens there, and no other test's server can take it
  const refused = await failure(request(new Dialer(new URL(`https://127.0.0.1:${port}`))));
  expect(refused.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  const server = rawServer((s) => s.end(), TLS);
  cleanups.push(() => server.stop());
  const err = await request(new Dialer(server.origin, { verify: true, ca: ca.certPem })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  expect((err as Error).message).toBe("upstream closed the connection before responding");
});

test("SNI: serverName when given; none for an IP address (RFC 6066 3), whose certificate is still verified against it", async () => {
  const seen: string[] = [];
  const server = tlsServer({ ...TLS, SNICallback: (name, cb) => (seen.push(name), cb(null, undefined)) }, (s) => s.end(OK));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => server.close());
  const port = (server.address() as { port: number }).port;
  expect(await request(new Dialer(new URL(`https://127.0.0.1:${port}`), { verify: true, ca: ca.certPem }))).toBe("ok");
  expect(seen).toEqual([]);
  expect(await request(new Dialer(new URL(`https://127.0.0.1:${port}`), { verify: true, ca: ca.certPem, serverName: "member.test" }))).toBe("ok");
  expect(seen).toEqual(["member.test"]);
  const wrong = await failure(request(new Dialer(new URL(`https://127.0.0.1:${port}`), { verify: true, ca: other.certPem })));
  expect(wrong.message).toBe("TLS: its certificate is not signed by a CA in tls.ca (without tls.ca: the system's CAs); give the CA that signed it as tls.ca (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
});

import { expect, test } from "bun:test";
import { JwksUrl } from "../../src/auth/jwks-url.ts";
import { jwks, signingKey, type SigningKey } from "./jwt-fixtures.ts";

/** A key server in memory behind the real fetch interface: counts calls, serves what it is told. */
function keyServer(initial: SigningKey[]) {
  const s = { keys: initial, calls: 0, hang: false, status: 200 };
  const fetch = async (_url: string, init: RequestInit) => {
    s.calls++;
    if (s.hang) return new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)));
    return new Response(JSON.stringify(jwks(...s.keys)), { status: s.status });
  };
  return Object.assign(s, { fetch });
}

const header = (k: SigningKey) => ({ alg: k.alg, kid: k.kid });
const none = {} as never;

test("keys are fetched once and their imported CryptoKey reused", async () => {
  const k1 = await signingKey("RS256", "k1");
  const srv = keyServer([k1]);
  const src = new JwksUrl("https://idp/jwks", { fetch: srv.fetch });
  const a = await src.lookup(header(k1), none);
  expect(await src.lookup(header(k1), none)).toBe(a);
  expect(srv.calls).toBe(1);
});

test("an unknown kid refetches, at most once per 30 s of the clock, and a rotated key is then found (even just after start)", async () => {
  const [k1, k2, k3] = await Promise.all([signingKey("RS256", "k1"), signingKey("RS256", "k2"), signingKey("RS256", "k3")]);
  let now = 1_000_000;
  const srv = keyServer([k1]);
  const src = new JwksUrl("https://idp/jwks", { fetch: srv.fetch, now: () => now });
  await src.lookup(header(k1), none);
  srv.keys = [k1, k2];
  expect((await src.lookup(header(k2), none)).type).toBe("public");
  expect(srv.calls).toBe(2);
  srv.keys = [k1, k2, k3];
  now += 1_000;
  // Within 30 s of the last fetch: no fetch, the kid stays unknown however often it is asked.
  for (let i = 0; i < 5; i++) await expect(src.lookup(header(k3), none)).rejects.toThrow();
  expect(srv.calls).toBe(2);
  now += 30_000;
  expect((await src.lookup(header(k3), none)).type).toBe("public");
  expect(srv.calls).toBe(3);
});

test("tokens arriving during a fetch share it", async () => {
  const k1 = await signingKey("ES256", "k1");
  const srv = keyServer([k1]);
  const src = new JwksUrl("https://idp/jwks", { fetch: srv.fetch });
  await Promise.all([1, 2, 3, 4].map(() => src.lookup(header(k1), none)));
  expect(srv.calls).toBe(1);
});

test("a key server that hangs is given up on after the timeout; the reason says so", async () => {
  const k1 = await signingKey("RS256", "k1");
  const srv = keyServer([k1]);
  srv.hang = true;
  const lines: string[] = [];
  const src = new JwksUrl("https://idp/jwks", { fetch: srv.fetch, timeoutMs: 50, log: (_l, m) => lines.push(m) });
  await expect(src.lookup(header(k1), none)).rejects.toThrow("keys unavailable from https://idp/jwks: no answer within 50 ms");
  expect(lines[0]).toContain("fetch failed: no answer within 50 ms");
});

test("a failed refetch keeps the keys fetched before", async () => {
  const [k1, k2] = await Promise.all([signingKey("RS256", "k1"), signingKey("RS256", "k2")]);
  let now = 0;
  const srv = keyServer([k1]);
  const src = new JwksUrl("https://idp/jwks", { fetch: srv.fetch, now: () => now });
  await src.lookup(header(k1), none);
  srv.status = 500;
  now += 60_000;
  await expect(src.lookup(header(k2), none)).rejects.toThrow();
  expect(srv.calls).toBe(2);
  expect((await src.lookup(header(k1), none)).type).toBe("public");
});

test("keys older than the maximum age are refreshed in the background while the old ones serve", async () => {
  const k1 = await signingKey("RS256", "k1");
  let now = 0;
  const srv = keyServer([k1]);
  const src = new JwksUrl("https://idp/jwks", { fetch: srv.fetch, now: () => now, maxAgeMs: 1_000 });
  const key = await src.lookup(header(k1), none);
  now += 60_000;
  expect(await src.lookup(header(k1), none)).toBe(key); // answered from the old set
  expect(srv.calls).toBe(2);
});

test("an answer larger than 1 MiB is refused as it streams (never read whole), with or without a Content-Length", async () => {
  const k1 = await signingKey("RS256", "k1");
  let pulled = 0;
  const endless = () => new ReadableStream<Uint8Array>({
    pull(c) {
      pulled += 65536;
      c.enqueue(new Uint8Array(65536).fill(0x20));
    },
  });
  const lines: string[] = [];
  const src = new JwksUrl("https://idp/jwks", { fetch: async () => new Response(endless()), log: (_l, m) => lines.push(m) });
  await expect(src.lookup(header(k1), none)).rejects.toThrow("the answer is larger than 1048576 bytes");
  expect(pulled).toBeLessThan(4 << 20);
  const declared = new JwksUrl("https://idp/jwks", { fetch: async () => new Response("{}", { headers: { "content-length": String(400 << 20) } }) });
  await expect(declared.lookup(header(k1), none)).rejects.toThrow("the answer is larger than 1048576 bytes");
});

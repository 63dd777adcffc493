/**
 * FetchTransport's error mapping (src/proxy/fetch-transport.ts): only errors that mean no
 * request byte reached the member become ConnectFailure, which the proxy may retry for any
 * method. fetch's own errors are hard to provoke on demand, so Bun.FetchSession is stubbed.
 */
import { afterEach, expect, test } from "bun:test";
import { FetchTransport } from "../../src/proxy/fetch-transport.ts";
import { ConnectFailure } from "../../src/proxy/transport.ts";

const real = Bun.FetchSession;
afterEach(() => {
  (Bun as { FetchSession: unknown }).FetchSession = real;
});

function failingWith(code: string): FetchTransport {
  (Bun as { FetchSession: unknown }).FetchSession = class {
    fetch(): Promise<Response> {
      return Promise.reject(Object.assign(new Error(`fetch failed: ${code}`), { code }));
    }
    close(): void {}
  };
  return new FetchTransport("https://127.0.0.1:9");
}

const POST = { method: "POST", target: "/charge", headers: new Headers({ "content-length": "0" }), body: null } as never;

test("ConnectionClosed (the request may have been sent) is not a connect failure", async () => {
  const err = await failingWith("ConnectionClosed").send(POST).catch((e: unknown) => e);
  expect(err).not.toBeInstanceOf(ConnectFailure);
  expect((err as { code?: string }).code).toBe("ConnectionClosed");
});

test("refused and unresolvable members still are connect failures", async () => {
  for (const code of ["ECONNREFUSED", "ConnectionRefused", "FailedToOpenSocket", "ENOTFOUND", "DEPTH_ZERO_SELF_SIGNED_CERT"]) {
    const err = await failingWith(code).send(POST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectFailure);
  }
});

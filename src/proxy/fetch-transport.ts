/**
 * A Transport over Bun's fetch, for https:// members (it owns the TLS stack and verification).
 * One FetchSession per member keeps its pool and TLS settings apart (a per-request
 * checkServerIdentity defeats Bun's connection pooling). `decompress: false` keeps bodies byte-exact and stops
 * Bun adding its own Accept-Encoding; `redirect: "manual"` hands 3xx to the client.
 * Known limits of Bun's fetch (1.4): it adds User-Agent and Accept when the client sent none,
 * and has no connect-phase timeout (the response timeout covers the connect).
 */
import { Cancel } from "./cancel.ts";
import { ConnectFailure, type Transport, type UpstreamCall } from "./transport.ts";

export interface UpstreamTls { verify: boolean; ca?: string | undefined; serverName?: string | undefined }

/**
 * Errors that mean no request byte reached the member, so any request may go to another one.
 * "ConnectionClosed" is not among them: fetch reports it also for a request that was sent and
 * then lost its connection, which the member may have acted on.
 */
const NEVER_CONNECTED = new Set(["ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ConnectionRefused", "FailedToOpenSocket"]);

export class FetchTransport implements Transport {
  readonly #origin: string;
  readonly #session: Bun.FetchSession;

  constructor(origin: string, tls?: UpstreamTls) {
    this.#origin = origin;
    this.#session = new Bun.FetchSession({
      tls: tls ? { rejectUnauthorized: tls.verify, ca: tls.ca, serverName: tls.serverName } : undefined,
    });
  }

  async send(call: UpstreamCall): Promise<Response> {
    try {
      return await this.#session.fetch(this.#origin + call.target, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: call.signal instanceof Cancel ? call.signal.toSignal() : (call.signal as AbortSignal),
        redirect: "manual",
        decompress: false,
      });
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      // TLS handshake and verification failures also happen before any request byte was sent.
      if (NEVER_CONNECTED.has(code) || /CERT|SSL|TLS|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|VERIFY/i.test(code)) throw new ConnectFailure(code, `${code}: ${(e as Error).message}`);
      throw e;
    }
  }

  close(): void {
    this.#session.close();
  }
}

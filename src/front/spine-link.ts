/**
 * A connection's way to the spine once the lane let go of it: the gate that checks every
 * byte (tunnel-gate.ts) and the loopback tunnel behind it (tunnel.ts), opened only when the
 * first checked bytes go on, so a refused request never reaches the spine.
 */
import { NONE } from "./client-deadline.ts";
import type { FrontContext } from "./front-context.ts";
import { BadHead } from "./request-check.ts";
import { OPAQUE, TunnelGate } from "./tunnel-gate.ts";
import { Tunnel, type TunnelClient } from "./tunnel.ts";

export const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n");

export class SpineLink {
  readonly gate: TunnelGate;
  tunnel: Tunnel | undefined;
  #continued: boolean;
  readonly client: TunnelClient;

  /** `continued`: the lane already sent this request's 100 Continue. */
  constructor(client: TunnelClient, ctx: FrontContext, continued: boolean) {
    this.client = client;
    this.#continued = continued;
    this.gate = new TunnelGate((b) => {
      if (this.tunnel) this.tunnel.fromClient(b);
      else this.tunnel = new Tunnel(client, ctx.registry, ctx.internalPort, b);
    });
  }

  /** The refusal when the bytes must not go on (the bytes before it went on already). */
  feed(d: Buffer): BadHead | undefined {
    try {
      this.gate.feed(d);
    } catch (e) {
      if (e instanceof BadHead) return e;
      throw e;
    }
    // The body is held until complete (tunnel-gate.ts): a client waiting for 100 gets it now.
    if (this.gate.wantsContinue && !this.#continued) {
      this.#continued = true;
      this.client.send(CONTINUE);
    }
    return undefined;
  }

  /** The client deadline that applies now (IN_HEAD/IN_BODY are client-deadline's HEAD/BODY). */
  get deadline(): number {
    const s = this.gate.state;
    return s === OPAQUE ? NONE : s;
  }
}

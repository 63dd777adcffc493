import type { UnderlyingSource } from "bun";

/**
 * The ReadableStream side of a streamed response body. Backpressure: the
 * connection pauses socket reads when the stream's queue is full
 * (desiredSize <= 0) and pull() resumes them, so at most ~highWaterMark plus
 * one socket read is buffered per response however slow the consumer is.
 */

/** What the stream needs from the connection that feeds it. */
export interface BodyFeeder {
  /** The consumer wants more: resume socket reads for exchange `seq`. */
  resumeBody(seq: number): void;
  /** The consumer gave up: the socket is unusable for exchange `seq`. */
  cancelBody(seq: number, reason: unknown): void;
}

const HIGH_WATER_BYTES = 256 * 1024;

export const BODY_STRATEGY: QueuingStrategy<Uint8Array> = {
  highWaterMark: HIGH_WATER_BYTES,
  size: (chunk) => chunk!.byteLength,
};

export class ResponseBodySource implements UnderlyingSource<Uint8Array> {
  controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private readonly feeder: BodyFeeder;
  private readonly seq: number;

  constructor(feeder: BodyFeeder, seq: number) {
    this.feeder = feeder;
    this.seq = seq;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  pull(): void {
    this.feeder.resumeBody(this.seq);
  }

  cancel(reason: unknown): void {
    this.feeder.cancelBody(this.seq, reason);
  }
}

import { expect, test } from "bun:test";
import { ClientOutput, LINGER_MAX_MS, LINGER_SEC } from "../../src/front/client-output.ts";
import type { ClientSocket } from "../../src/front/client-socket.ts";

class Output extends ClientOutput {
  drained(): boolean { return this.flushed(); }
  closeOnceOut(): void { this.closeAfterFlush(); }
  lingerOnceOut(): void { this.lingerAfterFlush(); }
  discard(): void { this.lingerRead(); }
  get lingering(): boolean { return this.lingerSince !== undefined; }
  startedLingering(at: number): void { this.lingerSince = at; }
}

function socket() {
  const state = { room: Infinity, written: "", pauses: 0, resumes: 0, ended: false, shut: false, timeoutSec: 0, terminated: false };
  const sock: ClientSocket = {
    remoteAddress: "::ffff:192.0.2.9",
    write(b) { const n = Math.min(b.byteLength, state.room); state.room -= n; state.written += Buffer.from(b.subarray(0, n)).toString(); return n; },
    pause() { state.pauses++; }, resume() { state.resumes++; },
    end() { state.ended = true; }, shutdown() { state.shut = true; }, terminate() { state.terminated = true; }, timeout(sec) { state.timeoutSec = sec; },
  };
  return { out: new Output(sock), state };
}

test("the client's address is the plain IP", () => {
  expect(socket().out.ip).toBe("192.0.2.9");
});

test("bytes the socket does not take wait for its drain, in order; then the connection stays open", () => {
  const { out, state } = socket();
  state.room = 3;
  expect(out.send(Buffer.from("hello"))).toBe(false);
  expect(out.send(Buffer.from(" world"))).toBe(false);
  state.room = Infinity;
  expect(out.drained()).toBe(true);
  expect(state.written).toBe("hello world");
  expect(state.ended).toBe(false);
});

test("closing after the flush waits for the queue; a drain then ends the socket", () => {
  const { out, state } = socket();
  state.room = 0;
  out.send(Buffer.from("bye"));
  out.closeOnceOut();
  expect(state.ended).toBe(false);
  state.room = Infinity;
  expect(out.drained()).toBe(false);
  expect(state.ended).toBe(true);
  expect(state.written).toBe("bye");
});

test("an abort cuts at once; later bytes go nowhere", () => {
  const { out, state } = socket();
  out.abort();
  expect(state.terminated).toBe(true);
  expect(out.send(Buffer.from("late"))).toBe(true);
  expect(state.written).toBe("");
});

test("pausing and resuming reach the socket once each", () => {
  const { out, state } = socket();
  out.pauseReading();
  out.pauseReading();
  out.resumeReading();
  out.resumeReading();
  expect([state.pauses, state.resumes]).toEqual([1, 1]);
});

test("lingering: once the answer is out, FIN and read on (paused reading resumed) for LINGER_SEC, instead of a close that resets", () => {
  const { out, state } = socket();
  out.pauseReading();
  state.room = 0;
  out.send(Buffer.from("HTTP/1.1 413"));
  out.lingerOnceOut();
  expect([state.shut, state.ended]).toEqual([false, false]);
  state.room = Infinity;
  out.drained();
  expect([state.shut, state.ended, state.resumes, state.timeoutSec, out.lingering]).toEqual([true, false, 1, LINGER_SEC, true]);
  out.discard();
  expect(state.ended).toBe(false);
});

test("lingering ends after LINGER_MAX_MS even for a client that never stops sending", () => {
  const { out, state } = socket();
  out.lingerOnceOut();
  out.startedLingering(performance.now() - LINGER_MAX_MS - 1);
  out.discard();
  expect(state.terminated).toBe(true);
});

test("a connection already cut does not linger", () => {
  const { out, state } = socket();
  out.abort();
  out.lingerOnceOut();
  expect(state.shut).toBe(false);
});

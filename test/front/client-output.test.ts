import { expect, test } from "bun:test";
import { ClientOutput } from "../../src/front/client-output.ts";
import type { ClientSocket } from "../../src/front/client-socket.ts";

class Output extends ClientOutput {
  drained(): boolean { return this.flushed(); }
  closeOnceOut(): void { this.closeAfterFlush(); }
}

function socket() {
  const state = { room: Infinity, written: "", pauses: 0, resumes: 0, ended: false, terminated: false };
  const sock: ClientSocket = {
    remoteAddress: "::ffff:192.0.2.9",
    write(b) { const n = Math.min(b.byteLength, state.room); state.room -= n; state.written += Buffer.from(b.subarray(0, n)).toString(); return n; },
    pause() { state.pauses++; }, resume() { state.resumes++; },
    end() { state.ended = true; }, terminate() { state.terminated = true; }, timeout() {},
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

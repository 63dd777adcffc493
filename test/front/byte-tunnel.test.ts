import { expect, test } from "bun:test";
import { ByteTunnel } from "../../src/front/byte-tunnel.ts";
import type { LaneSocket } from "../../src/front/upstream-lane.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";

function setup(memberRoom = Infinity, clientTakes = true) {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now });
  const toMember: string[] = [];
  const state = { room: memberRoom, paused: false, terminated: false, clientPaused: false, toClient: [] as string[], over: undefined as undefined | [number, number, string | undefined] };
  const sock = {
    data: { user: {} },
    write(b: Uint8Array) { const n = Math.min(b.byteLength, state.room); state.room -= n; toMember.push(Buffer.from(b.subarray(0, n)).toString("latin1")); return n; },
    pause() { state.paused = true; }, resume() { state.paused = false; }, terminate() { state.terminated = true; }, end() {},
  } as unknown as LaneSocket;
  const t = new ByteTunnel(sock, {
    send: (b) => { state.toClient.push(Buffer.from(b).toString("latin1")); return clientTakes; },
    pauseReading: () => (state.clientPaused = true), resumeReading: () => (state.clientPaused = false),
    over: (o, i, why) => (state.over = [o, i, why]),
  }, deadlines, 1000);
  return { t, state, toMember, at: (ms: number) => { now = ms; deadlines.tick(); } };
}

test("bytes pass both ways as they are and are counted", () => {
  const { t, state, toMember } = setup();
  t.fromMember(Buffer.from("\x81\x02hi", "latin1"));
  t.fromClient(Buffer.from("\x81\x82abcd", "latin1"));
  expect(state.toClient).toEqual(["\x81\x02hi"]);
  expect(toMember).toEqual(["\x81\x82abcd"]);
  t.close();
  expect(state.over).toEqual([4, 6, undefined]);
  expect(state.terminated).toBe(true);
});

test("backpressure: a slow client pauses the member, a slow member pauses the client", () => {
  const slowClient = setup(Infinity, false);
  slowClient.t.fromMember(Buffer.from("x"));
  expect(slowClient.state.paused).toBe(true);
  slowClient.t.clientDrained();
  expect(slowClient.state.paused).toBe(false);
  const slowMember = setup(1);
  slowMember.t.fromClient(Buffer.from("abc"));
  expect(slowMember.state.clientPaused).toBe(true);
  slowMember.state.room = 10;
  slowMember.t.memberDrained();
  expect(slowMember.state.clientPaused).toBe(false);
  expect(slowMember.toMember.join("")).toBe("abc");
});

test("nothing either way for the idle timeout closes both; traffic pushes it on", () => {
  const { t, state, at } = setup();
  at(600);
  t.fromClient(Buffer.from("a"));
  at(1500);
  expect(state.over).toBeUndefined();
  at(1700);
  expect(state.over?.[2]).toBe("idle timeout");
});

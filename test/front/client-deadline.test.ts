import { expect, test } from "bun:test";
import { BODY, ClientDeadline, HEAD, NONE } from "../../src/front/client-deadline.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";

function setup() {
  let now = 0;
  const deadlines = new Deadlines({ now: () => now });
  const fired: number[] = [];
  const d = new ClientDeadline(deadlines, { header: 1000, body: 500, keepAlive: 5000 }, (k) => fired.push(k));
  return { d, fired, at: (t: number) => { now = t; deadlines.tick(); } };
}

test("the head deadline runs from the first byte and is not pushed on by more bytes", () => {
  const { d, fired, at } = setup();
  d.set(HEAD);
  at(600);
  d.set(HEAD); // more of the head arrived
  at(1000);
  expect(fired).toEqual([HEAD]);
  expect(d.running).toBe(false);
});

test("the body deadline is pushed on by every read", () => {
  const { d, fired, at } = setup();
  d.set(BODY);
  at(400);
  d.set(BODY);
  at(800);
  expect(fired).toEqual([]);
  at(900);
  expect(fired).toEqual([BODY]);
});

test("NONE clears it", () => {
  const { d, fired, at } = setup();
  d.set(HEAD);
  d.set(NONE);
  at(5000);
  expect(fired).toEqual([]);
});

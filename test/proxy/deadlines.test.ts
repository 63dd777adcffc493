import { describe, expect, test } from "bun:test";
import { Deadlines, systemClock } from "../../src/proxy/deadlines.ts";

class FakeClock {
  t = 1000;
  now = () => this.t;
}

function setup() {
  const clock = new FakeClock();
  // A long tick so the real interval never fires during a test; tests call tick() themselves.
  const d = new Deadlines(clock, 3_600_000);
  return { clock, d };
}

describe("Deadlines", () => {
  test("now() reads the injected clock", () => {
    const { clock, d } = setup();
    expect(d.now()).toBe(1000);
    clock.t = 1234.5;
    expect(d.now()).toBe(1234.5);
  });

  test("expires at the deadline, not before", () => {
    const { clock, d } = setup();
    let fired = 0;
    const w = d.watch(500, () => fired++);
    expect(w.deadline).toBe(1500);
    clock.t = 1499;
    d.tick();
    expect(fired).toBe(0);
    clock.t = 1500;
    d.tick();
    expect(fired).toBe(1);
  });

  test("fires once, however many ticks follow", () => {
    const { clock, d } = setup();
    let fired = 0;
    d.watch(10, () => fired++);
    clock.t += 100;
    d.tick();
    d.tick();
    clock.t += 100;
    d.tick();
    expect(fired).toBe(1);
  });

  test("extend pushes the deadline from now (idle timer)", () => {
    const { clock, d } = setup();
    let fired = 0;
    const w = d.watch(100, () => fired++);
    clock.t = 1090;
    d.extend(w, 100);
    expect(w.deadline).toBe(1190);
    clock.t = 1150;
    d.tick();
    expect(fired).toBe(0);
    clock.t = 1190;
    d.tick();
    expect(fired).toBe(1);
  });

  test("clear stops a watch from firing", () => {
    const { clock, d } = setup();
    let fired = 0;
    const w = d.watch(100, () => fired++);
    d.clear(w);
    clock.t += 1000;
    d.tick();
    expect(fired).toBe(0);
    d.clear(w); // clearing twice is harmless
  });

  test("clearing after it fired is harmless", () => {
    const { clock, d } = setup();
    let fired = 0;
    const w = d.watch(1, () => fired++);
    clock.t += 1;
    d.tick();
    d.clear(w);
    expect(fired).toBe(1);
  });

  test("only the expired watches fire; each independently", () => {
    const { clock, d } = setup();
    const log: string[] = [];
    d.watch(100, () => log.push("a"));
    const b = d.watch(200, () => log.push("b"));
    d.watch(300, () => log.push("c"));
    clock.t = 1100;
    d.tick();
    expect(log).toEqual(["a"]);
    d.extend(b, 500); // now 1600
    clock.t = 1300;
    d.tick();
    expect(log).toEqual(["a", "c"]);
    clock.t = 1600;
    d.tick();
    expect(log).toEqual(["a", "c", "b"]);
  });

  test("a callback may clear or add watches while the tick runs", () => {
    const { clock, d } = setup();
    const log: string[] = [];
    let later: ReturnType<Deadlines["watch"]> | undefined;
    d.watch(10, () => {
      log.push("first");
      d.clear(later!);
      d.watch(1000, () => log.push("added"));
    });
    later = d.watch(10, () => log.push("cleared-one"));
    clock.t += 10;
    d.tick();
    expect(log).toEqual(["first"]);
    clock.t += 1000;
    d.tick();
    expect(log).toEqual(["first", "added"]);
  });

  test("zero and negative durations expire on the next tick", () => {
    const { d } = setup();
    let fired = 0;
    d.watch(0, () => fired++);
    d.watch(-5, () => fired++);
    d.tick();
    expect(fired).toBe(2);
  });

  test("the real ticker fires a watch without a manual tick", async () => {
    const d = new Deadlines(systemClock, 1);
    const { promise, resolve } = Promise.withResolvers<number>();
    const start = systemClock.now();
    d.watch(5, () => resolve(systemClock.now() - start));
    expect(await promise).toBeGreaterThanOrEqual(5);
  });

  describe("an object that is its own Watch", () => {
    class Watcher {
      deadline = 0;
      prevWatch = null;
      nextWatch = null;
      fired = 0;
      expire() { this.fired++; }
    }

    test("arm fires expire() at the deadline; clear stops it", () => {
      const { clock, d } = setup();
      const a = new Watcher(), b = new Watcher();
      d.arm(a, 100);
      d.arm(b, 100);
      expect(d.armed(a)).toBe(true);
      d.clear(b);
      expect(d.armed(b)).toBe(false);
      clock.t += 100;
      d.tick();
      expect([a.fired, b.fired]).toEqual([1, 0]);
      expect(d.armed(a)).toBe(false);
    });

    test("arming an armed watch moves its deadline and links it once", () => {
      const { clock, d } = setup();
      const a = new Watcher();
      d.arm(a, 100);
      clock.t += 90;
      d.arm(a, 100);
      clock.t += 20;
      d.tick();
      expect(a.fired).toBe(0);
      clock.t += 80;
      d.tick();
      d.tick();
      expect(a.fired).toBe(1);
    });

    test("a watch may be armed again after it fired or was cleared", () => {
      const { clock, d } = setup();
      const a = new Watcher();
      for (let i = 0; i < 3; i++) {
        d.arm(a, 10);
        if (i === 1) d.clear(a);
        clock.t += 10;
        d.tick();
      }
      expect(a.fired).toBe(2);
    });

    test("a due watch that an earlier callback re-arms does not fire in that tick", () => {
      const { clock, d } = setup();
      const b = new Watcher();
      d.watch(10, () => d.arm(b, 50));
      d.arm(b, 10);
      clock.t += 10;
      d.tick();
      expect(b.fired).toBe(0);
      expect(d.armed(b)).toBe(true);
      clock.t += 50;
      d.tick();
      expect(b.fired).toBe(1);
    });

    test("thousands armed and cleared in any order leave none behind", () => {
      const { clock, d } = setup();
      const all = Array.from({ length: 5000 }, () => new Watcher());
      for (const w of all) d.arm(w, 10);
      for (let i = 0; i < all.length; i += 2) d.clear(all[i]!);
      clock.t += 10;
      d.tick();
      expect(all.filter((w) => w.fired === 1).length).toBe(2500);
      expect(all.every((w) => !d.armed(w))).toBe(true);
    });
  });
});

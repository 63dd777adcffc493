// Cancel in use (a probe cancelled mid-request) is in test/health/probe.test.ts; these are its rules.
import { describe, expect, test } from "bun:test";
import { Cancel } from "../../src/proxy/cancel.ts";

describe("Cancel", () => {
  test("abort sets aborted and reason, then runs each listener once, in the order added", () => {
    const c = new Cancel();
    const calls: string[] = [];
    c.addEventListener("abort", () => calls.push(`a:${c.aborted}`));
    c.addEventListener("abort", () => calls.push(`b:${(c.reason as Error).message}`));
    expect([c.aborted, c.reason]).toEqual([false, undefined]);
    c.abort(new Error("probe timed out"));
    expect(calls).toEqual(["a:true", "b:probe timed out"]);
  });

  test("without a reason, the reason is an Error 'aborted'", () => {
    const c = new Cancel();
    c.abort();
    expect(c.reason).toBeInstanceOf(Error);
    expect((c.reason as Error).message).toBe("aborted");
  });

  test("a second abort keeps the first reason and runs no listener again", () => {
    const c = new Cancel();
    const first = new Error("first");
    let runs = 0;
    c.addEventListener("abort", () => runs++);
    c.abort(first);
    c.abort(new Error("second"));
    expect(c.reason).toBe(first);
    expect(runs).toBe(1);
  });

  test("a removed listener is not run; removing one never added is harmless", () => {
    const c = new Cancel();
    const calls: string[] = [];
    const gone = () => calls.push("gone");
    c.removeEventListener("abort", gone);
    c.addEventListener("abort", gone);
    c.addEventListener("abort", () => calls.push("kept"));
    c.removeEventListener("abort", gone);
    c.removeEventListener("abort", () => calls.push("never added"));
    c.abort();
    expect(calls).toEqual(["kept"]);
  });

  test("as with AbortSignal, a listener added after the abort is not run: callers check aborted first", () => {
    const c = new Cancel();
    c.abort();
    let ran = false;
    c.addEventListener("abort", () => (ran = true));
    expect(ran).toBe(false);
  });
});

describe("Cancel.toSignal", () => {
  test("the AbortSignal aborts with the same reason when the Cancel does", () => {
    const c = new Cancel();
    const signal = c.toSignal();
    const seen: unknown[] = [];
    signal.addEventListener("abort", () => seen.push(signal.reason));
    expect(signal.aborted).toBe(false);
    const reason = new Error("client went away");
    c.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(reason);
  });

  test("from an aborted Cancel, the signal is aborted at once with its reason", () => {
    const c = new Cancel();
    const reason = new Error("late");
    c.abort(reason);
    const signal = c.toSignal();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });
});

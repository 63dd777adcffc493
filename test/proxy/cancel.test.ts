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

  test("a listener that throws does not stop the ones after it; its error is thrown after them", () => {
    const c = new Cancel();
    const calls: string[] = [];
    c.addEventListener("abort", () => calls.push("first"));
    c.addEventListener("abort", () => { throw new Error("listener broke"); });
    c.addEventListener("abort", () => { throw new Error("second failure"); });
    c.addEventListener("abort", () => calls.push("last"));
    expect(() => c.abort()).toThrow("listener broke");
    expect(calls).toEqual(["first", "last"]);
    expect(c.aborted).toBe(true);
  });
});

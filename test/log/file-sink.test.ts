import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileSink } from "../../src/log/access.ts";

test("lines are batched until a flush, appended to what the file held, in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-sink-"));
  try {
    const path = join(dir, "access.log");
    writeFileSync(path, "old line\n");
    const sink = fileSink(path, 60_000); // no timer flush during the test
    sink.write("one\n");
    sink.write("two\n");
    expect(readFileSync(path, "utf8")).toBe("old line\n"); // nothing written per line
    await sink.flush();
    expect(readFileSync(path, "utf8")).toBe("old line\none\ntwo\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("16 KB of pending lines go out without waiting for the timer", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-sink-"));
  try {
    const path = join(dir, "access.log");
    const sink = fileSink(path, 60_000);
    const line = "x".repeat(99) + "\n";
    for (let i = 0; i < 163; i++) sink.write(line);
    expect(readFileSync(path, "utf8")).toBe("");
    sink.write(line); // 16,400 bytes pending: out now
    await sink.flush(); // (nothing left: resolves at once)
    expect(readFileSync(path, "utf8").length).toBe(16_400);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a flush with nothing new still waits for what the writer holds (a pipe whose reader is behind)", async () => {
  const written: string[] = [];
  let release!: () => void;
  const drained = new Promise<number>((r) => (release = () => r(0)));
  const sink = fileSink("-", 60_000, () => ({ write: (b) => written.push(Buffer.from(b).toString()), flush: () => drained }));
  sink.write("a\n");
  void sink.flush(); // what the timer does: the line goes to the writer, which cannot drain yet
  expect(written).toEqual(["a\n"]);
  let done = false;
  const last = Promise.resolve(sink.flush()).then(() => (done = true)); // shutdown's flush: nothing pending
  await Promise.resolve();
  expect(done).toBe(false); // still waiting for the writer
  release();
  await last;
  expect(done).toBe(true);
  expect(written).toEqual(["a\n"]);
});

test("a line longer than the batch buffer goes out whole, after the lines before it", async () => {
  const written: string[] = [];
  const sink = fileSink("-", 60_000, () => ({ write: (b) => written.push(Buffer.from(b).toString()), flush: () => 0 }));
  const long = "é".repeat(30_000) + "\n"; // 60,001 bytes in UTF-8
  sink.write("before\n");
  sink.write(long);
  sink.write("after\n");
  await sink.flush();
  expect(written.join("")).toBe("before\n" + long + "after\n");
});

test("lines are written as UTF-8, whatever their characters", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-sink-"));
  try {
    const path = join(dir, "access.log");
    const sink = fileSink(path, 60_000);
    sink.write('route="café" ✓\n');
    await sink.flush();
    expect(readFileSync(path, "utf8")).toBe('route="café" ✓\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

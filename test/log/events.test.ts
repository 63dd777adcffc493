import { afterEach, describe, expect, test } from "bun:test";
import { configureEvents, createEvents, eventSettings, formatEvent } from "../../src/log/events.ts";

const T = new Date("2026-01-02T03:04:05.678Z");
const capture = () => {
  const lines: string[] = [];
  return { lines, log: createEvents((l) => lines.push(l), () => T) };
};

afterEach(() => configureEvents(undefined));

describe("event log", () => {
  test("text by default: ISO time, level, message; info and above", () => {
    const { lines, log } = capture();
    log("debug", "hidden");
    log("info", "listening on http://127.0.0.1:1/");
    log("error", "bad");
    expect(lines).toEqual(["2026-01-02T03:04:05.678Z info listening on http://127.0.0.1:1/\n", "2026-01-02T03:04:05.678Z error bad\n"]);
  });

  test("json: one object a line with time, level and msg", () => {
    configureEvents({ format: "json", level: "debug" });
    const { lines, log } = capture();
    log("debug", 'a "quoted"\nmessage');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(lines[0]!)).toEqual({ time: T.toISOString(), level: "debug", msg: 'a "quoted"\nmessage' });
  });

  test("text: control bytes a member sent show as \\xhh and a message's later lines stay indented", () => {
    const T0 = new Date("2026-12-03T00:00:00.000Z");
    const member = 'bad status line "\x16\x03\x01\x00\rok"';
    expect(formatEvent(T0, "warn", member, "text")).toBe('2026-12-03T00:00:00.000Z warn bad status line "\\x16\\x03\\x01\\x00\\x0dok"\n');
    const forged = "upstream said x\n2026-12-03T00:00:00.000Z info recovered";
    expect(formatEvent(T0, "warn", forged, "text")).toBe("2026-12-03T00:00:00.000Z warn upstream said x\n  2026-12-03T00:00:00.000Z info recovered\n");
    const ours = "reload failed:\n  pools.a: bad\n  pools.b: bad\ttoo";
    expect(formatEvent(T0, "error", ours, "text")).toBe(`2026-12-03T00:00:00.000Z error ${ours}\n`);
  });

  test("level warn drops info; settings apply to logs made before they changed", () => {
    const { lines, log } = capture();
    configureEvents({ level: "warn" });
    log("info", "no");
    log("warn", "yes");
    expect(lines).toEqual([formatEvent(T, "warn", "yes", "text")]);
  });

  test("a --workers worker's lines name it, in text and json, and keep doing so when eventLog is applied", () => {
    const { lines, log } = capture();
    configureEvents({ worker: 2 });
    log("warn", "pool app: member http://10.0.0.1:8080 ejected");
    configureEvents({ format: "json", level: "info" });
    log("info", "recovered");
    configureEvents({ worker: undefined });
    configureEvents({ format: "text" });
    log("info", "supervisor");
    expect(lines[0]).toBe(`${T.toISOString()} warn worker 2: pool app: member http://10.0.0.1:8080 ejected\n`);
    expect(JSON.parse(lines[1]!)).toEqual({ time: T.toISOString(), level: "info", msg: "recovered", worker: 2 });
    expect(lines[2]).toBe(`${T.toISOString()} info supervisor\n`);
  });

  test("unset fields fall back to text and info", () => {
    configureEvents({ format: undefined, level: undefined });
    expect(eventSettings()).toEqual({ format: "text", level: "info" });
  });
});

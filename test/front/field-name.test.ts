import { describe, expect, test } from "bun:test";
import { FieldNames, lengthAt } from "../../src/front/field-name.ts";

describe("FieldNames", () => {
  const names = new FieldNames(["host", "content-length", "te", "http2-settings"]);
  const at = (line: string) => names.at(line, 0, line.indexOf(":"));

  test("a registered name is found in any case, as the constant registered", () => {
    expect(at("Host: a")).toBe("host");
    expect(at("CONTENT-LENGTH: 1")).toBe("content-length");
    expect(at("cOnTeNt-LeNgTh: 1")).toBe("content-length");
    expect(at("HTTP2-Settings: x")).toBe("http2-settings");
    expect(at("TE: trailers")).toBe("te");
  });

  test("other names, including ones of a registered length, are not", () => {
    expect(at("Hose: a")).toBeUndefined();
    expect(at("Accept: */*")).toBeUndefined();
    expect(at("content_length: 1")).toBeUndefined(); // an underscore is not a hyphen
    expect(at("ta: 1")).toBeUndefined();
    expect(at("http3-settings: x")).toBeUndefined();
  });

  test("the name is matched where it lies in a longer text", () => {
    const head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    expect(names.at(head, 16, 20)).toBe("host");
    expect(names.at(head, 15, 19)).toBeUndefined();
  });

  test("a name with characters it cannot compare is refused when registered", () => {
    expect(() => new FieldNames(["Host"])).toThrow("lower-case letters, digits and - only");
    expect(() => new FieldNames(["x_y"])).toThrow();
  });
});

describe("lengthAt", () => {
  const len = (v: string) => lengthAt(`Content-Length:${v}\r\n`, 15, 15 + v.length);

  test("digits between optional spaces and tabs", () => {
    expect(len(" 16")).toBe(16);
    expect(len("0")).toBe(0);
    expect(len("\t 1024 \t")).toBe(1024);
    expect(len(" 999999999999999")).toBe(999_999_999_999_999);
  });

  test("anything else is -1: empty, signs, lists, more than 15 digits, other characters", () => {
    for (const v of ["", "  ", "-1", "+1", "1,1", "1 1", "0x10", "1e3", "1000000000000000", " 12a"]) expect(len(v)).toBe(-1);
  });
});

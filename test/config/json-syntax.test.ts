import { describe, expect, test } from "bun:test";
import { findSyntaxError, lineColumn } from "../../src/config/json-syntax.ts";

describe("findSyntaxError", () => {
  test("valid JSON has no error", () => {
    expect(findSyntaxError('{ "a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {} }')).toBeUndefined();
  });

  test.each([
    ['{\n  "a": 1,\n}', 3, 1, 'no comma before "}"'],
    ['{ "a": [1, 2,] }', 1, 14, 'no comma before "]"'],
    ['{ listeners: [] }', 1, 3, "a field name in double quotes"],
    ['{ "a" 1 }', 1, 7, '":" after the field name'],
    ['{ "a": 1 "b": 2 }', 1, 10, '"," or "}"'],
    ['{ "a": "x', 1, 10, "a closing quote"],
    ['{ "a": "\\q" }', 1, 10, "an escape"],
    ['{ "a": tru }', 1, 8, "a value"],
    ['{ "a": 1 } x', 1, 12, "the end of the file"],
    ['{ "a": "line\nbreak" }', 1, 13, "a line break inside a string"],
  ])("%j: line %d, column %d", (text, line, column, words) => {
    const e = findSyntaxError(text);
    expect(e).toMatchObject({ line, column });
    expect(e!.message).toContain(words);
  });

  test("lineColumn counts from 1, columns in characters", () => {
    expect(lineColumn("ab\ncdé\nf", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn("ab\ncdé\nf", 7)).toEqual({ line: 3, column: 1 });
    expect(lineColumn("ab\ncdé\nf", 5)).toEqual({ line: 2, column: 3 });
  });
});

import { expect, test } from "bun:test";
import { STATUS_CODES } from "node:http";
import { reasonPhrase } from "../../src/proxy/reason-phrase.ts";

test("every status a route may answer has node:http's phrase, as before the own table", () => {
  for (let s = 200; s <= 599; s++) expect([s, reasonPhrase(s)]).toEqual([s, STATUS_CODES[s] ?? "Unknown"]);
});

test("a status without a name is Unknown", () => {
  expect(reasonPhrase(299)).toBe("Unknown");
  expect(reasonPhrase(599)).toBe("Unknown");
});

import { expect, test } from "bun:test";
import * as v from "valibot";
import { configSchema } from "../../src/config/schema.ts";
import { unstickableWarnings } from "../../src/config/sticky-check.ts";

const config = (sticky: object, members: object[]) => v.parse(configSchema, {
  listeners: [{ port: 8080 }], pools: { app: { members, sticky } }, routes: [{ path: "/", pool: "app" }],
});

test("route-suffix members with neither a route nor learning are named, with the fix", () => {
  const w = unstickableWarnings(config({ cookie: "JSESSIONID", mode: "route-suffix", learn: false }, [{ url: "http://a:1", route: "n1" }, { url: "http://b:1" }]));
  expect(w).toEqual([expect.stringContaining("pools.app.members[1]: no \"route\" and sticky.learn is false")]);
});

test("learning (the default) or insert mode need no warning", () => {
  expect(unstickableWarnings(config({ cookie: "JSESSIONID", mode: "route-suffix" }, [{ url: "http://b:1" }]))).toEqual([]);
  expect(unstickableWarnings(config({ cookie: "ROUTEID", mode: "insert", learn: false }, [{ url: "http://b:1" }]))).toEqual([]);
});

import { expect, test } from "bun:test";
import { ADMIN_BODY_MAX, bodyTooLarge } from "../../src/admin/body-limit.ts";

const req = (length: number | undefined) => new Request("http://127.0.0.1:9090/api/v1/pools/app/members/n1", { method: "PATCH", headers: length === undefined ? {} : { "content-length": String(length) } });

test("a declared body over ADMIN_BODY_MAX is a 413 with a JSON error, before it is read", async () => {
  const res = bodyTooLarge(req(100_000_000))!;
  expect(res.status).toBe(413);
  expect(await res.json()).toEqual({ error: `the request body is 100000000 bytes; admin requests take at most ${ADMIN_BODY_MAX}` });
});

test("a body within the limit, or without a declared length, passes", () => {
  expect(bodyTooLarge(req(ADMIN_BODY_MAX))).toBeUndefined();
  expect(bodyTooLarge(req(undefined))).toBeUndefined();
  expect(bodyTooLarge(req(17))).toBeUndefined();
});

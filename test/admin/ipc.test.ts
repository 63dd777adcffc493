import { describe, expect, test } from "bun:test";
import { answerOf, callOf, isAdminAnswer, isAdminCall, requestOf } from "../../src/admin/ipc.ts";

describe("admin calls over IPC", () => {
  test("a request survives the trip through JSON: method, URL, headers, body", async () => {
    const call = await callOf(new Request("http://127.0.0.1:9090/api/v1/pools/a/members/n1", { method: "PATCH", headers: { authorization: "Bearer t", origin: "http://127.0.0.1:9090" }, body: '{"weight":2}' }), 7);
    const back = requestOf(JSON.parse(JSON.stringify(call)));
    expect(isAdminCall(call)).toBe(true);
    expect([back.method, back.url, back.headers.get("authorization"), back.headers.get("origin"), await back.text()]).toEqual(["PATCH", "http://127.0.0.1:9090/api/v1/pools/a/members/n1", "Bearer t", "http://127.0.0.1:9090", '{"weight":2}']);
  });

  test("an answer keeps its status, headers and body; a GET carries no body", async () => {
    const a = await answerOf(new Response("no", { status: 403, headers: { "x-a": "1" } }), 3);
    expect(isAdminAnswer(a) && !isAdminCall(a)).toBe(true);
    expect([a.id, a.status, a.headers.find(([k]) => k === "x-a")?.[1], a.body]).toEqual([3, 403, "1", "no"]);
    expect((await callOf(new Request("http://h/metrics"), 1)).body).toBeNull();
  });
});

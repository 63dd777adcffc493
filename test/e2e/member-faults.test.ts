/**
 * Faults of one member that must cost the clients nothing: a member that never answers (NGINX
 * proxy_next_upstream timeout), and a member that answers an Upgrade request with a page.
 */
import { afterEach, expect, test } from "bun:test";
import { startProxy } from "./harness.ts";
import { recordingUpstream } from "./raw.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const listener = { port: 0, host: "127.0.0.1" };
const quiet = { path: "/dev/null" };

/** Accepts connections and reads requests, never answers. */
function hangingMember() {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  cleanups.push(() => l.stop(true));
  return `http://127.0.0.1:${l.port}`;
}

test("a member that never answers costs idempotent requests nothing: they fail over on the response timeout", async () => {
  const good = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [listener],
    pools: { u: { members: [{ url: hangingMember() }, { url: good.url }], method: "byrequests", timeouts: { response: "300ms" } } },
    routes: [{ path: "/", pool: "u" }],
    accessLog: quiet,
  });
  cleanups.push(() => p.stop());
  const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => fetch(`${p.url}/t${i}`).then((r) => r.status)));
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  // Via the spine too (a PUT body leaves the lane's hold only past 64 KiB; DELETE without body stays on the lane).
  const put = await fetch(`${p.url}/put`, { method: "PUT", body: "x".repeat(70_000) });
  expect([200, 504]).toContain(put.status); // a streamed body is never replayed: 504 if the hanging member had it
  expect(p.stderr()).toContain("retrying on another member");
});

test("a POST is not replayed after a response timeout: 504", async () => {
  const good = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [listener],
    pools: { u: { members: [{ url: hangingMember() }], timeouts: { response: "300ms" } } },
    routes: [{ path: "/", pool: "u" }],
    accessLog: quiet,
  });
  cleanups.push(() => p.stop());
  const res = await fetch(`${p.url}/post`, { method: "POST", body: "abc" });
  expect(res.status).toBe(504);
  expect(good.requests.length).toBe(0);
});

test("an Upgrade request answered with a page is relayed as an ordinary response; the member stays in the pool", async () => {
  const page = recordingUpstream(cleanups);
  const p = await startProxy({
    listeners: [listener],
    pools: { u: { members: [{ url: page.url }] } },
    routes: [{ path: "/", pool: "u" }],
    accessLog: quiet,
  });
  cleanups.push(() => p.stop());
  const res = await fetch(`${p.url}/page`, { headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" } });
  expect(res.status).toBe(200);
  expect(await res.text()).toStartWith("GET /page HTTP/1.1");
  for (let i = 0; i < 3; i++) expect((await fetch(`${p.url}/after${i}`)).status).toBe(200);
  expect(p.stderr()).not.toContain("ejected");
});

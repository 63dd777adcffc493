import { expect, test } from "bun:test";
import { startProxy } from "./harness.ts";

// NGINX never marks its only server unavailable; a one-member pool must not 503 for ejectFor.
test("a one-member pool still answers after one timed-out request (panic, logged once)", async () => {
  let slowOnce = true;
  const up = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, async fetch() {
    if (slowOnce) {
      slowOnce = false;
      await Bun.sleep(1_500); // the upstream being slow is the thing under test
    }
    return new Response("fine");
  } });
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { p: { members: [{ url: `http://127.0.0.1:${up.port}` }], retries: 0, timeouts: { response: "1s" } } },
    routes: [{ path: "/", pool: "p" }], accessLog: { path: "/dev/null" },
  });
  try {
    expect((await fetch(p.url + "/a")).status).toBe(504);
    const again = await fetch(p.url + "/b");
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("fine");
    expect((await fetch(p.url + "/c")).status).toBe(200);
    expect(p.stderr()).toContain("ejected");
    expect(p.stderr().split("panic:").length - 1).toBe(1);
    expect(p.stderr()).toContain("recovered: request in panic mode succeeded");
  } finally { await p.stop(); up.stop(true); }
}, 20_000);

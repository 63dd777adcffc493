import { expect, test } from "bun:test";
import { runBinary, startProxy, tempDir, writeFile } from "./harness.ts";

// Tomcat appends its jvmRoute to JSESSIONID; the members have no "route" in routes.json.
function tomcat(jvmRoute: string) {
  return Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: (req) => {
    const headers = new Headers({ "x-node": jvmRoute });
    if (!req.headers.get("cookie")?.includes("JSESSIONID=")) headers.append("set-cookie", `JSESSIONID=abc.${jvmRoute}; Path=/; HttpOnly`);
    return new Response(jvmRoute, { headers });
  } });
}

test("JSESSIONID sessions stick with default routes after one response (route learned, logged once)", async () => {
  const n1 = tomcat("node1"), n2 = tomcat("node2");
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { app: { members: [{ url: `http://127.0.0.1:${n1.port}` }, { url: `http://127.0.0.1:${n2.port}` }], sticky: { cookie: "JSESSIONID", mode: "route-suffix" } } },
    routes: [{ path: "/", pool: "app" }], accessLog: { path: "/dev/null" },
  });
  try {
    const first = await fetch(p.url + "/login");
    const node = await first.text();
    expect(first.headers.get("set-cookie")).toContain(`JSESSIONID=abc.${node}`);
    for (let i = 0; i < 6; i++) {
      const r = await fetch(p.url + "/page", { headers: { cookie: `JSESSIONID=abc.${node}` } });
      expect(await r.text()).toBe(node);
    }
    // The other member learns its route from its first session too.
    const other = node === "node1" ? "node2" : "node1";
    const seen = new Set<string>();
    for (let i = 0; i < 4 && !seen.has(other); i++) seen.add(await (await fetch(p.url + "/login")).text());
    for (let i = 0; i < 4; i++) expect(await (await fetch(p.url + "/x", { headers: { cookie: `JSESSIONID=q.${other}` } })).text()).toBe(other);
    expect(p.stderr().split(`learned sticky route "${node}"`).length - 1).toBe(1);
  } finally { await p.stop(); n1.stop(true); n2.stop(true); }
}, 20_000);

test("proxy check warns (exit 0) when route-suffix members have neither a route nor learning", async () => {
  const dir = tempDir();
  const file = writeFile(dir, "routes.json", JSON.stringify({
    listeners: [{ port: 8080 }],
    pools: { app: { members: [{ url: "http://10.0.0.1:8080" }], sticky: { cookie: "JSESSIONID", mode: "route-suffix", learn: false } } },
    routes: [{ path: "/", pool: "app" }], accessLog: { path: "-" },
  }));
  const r = await runBinary(["check", file]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("warning: pools.app.members[0]: no \"route\" and sticky.learn is false");
});

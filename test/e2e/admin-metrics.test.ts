/** /metrics on the compiled binary: promtool accepts it and its counters match the requests sent. */
import { expect, test } from "bun:test";
import { echoUpstream } from "./harness.ts";
import { adminProxy, token } from "./admin-harness.ts";

test("/metrics passes promtool check metrics and counts every request by member and code", async () => {
  const ups = [echoUpstream("n1"), echoUpstream("n2")];
  const ctx = await adminProxy(ups);
  try {
    for (let i = 0; i < 10; i++) await (await fetch(ctx.p.url + "/x")).text();
    const read = await token(ctx.dir, "read");
    const r = await fetch(ctx.admin + "/metrics", { headers: { authorization: `Bearer ${read}` } });
    expect(r.headers.get("content-type")).toContain("version=0.0.4");
    const text = await r.text();
    const proc = Bun.spawn(["promtool", "check", "metrics"], { stdin: new Blob([text]), stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text(), await proc.exited];
    expect({ code, out, err }).toEqual({ code: 0, out: "", err: "" });
    const count = (re: RegExp) => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
    expect(count(/^edge_proxy_requests_total\{route="\*\/",pool="app",member="http:\/\/127\.0\.0\.1:\d+",code="200"\} (\d+)$/gm)).toBe(10);
    for (const u of ups) expect(text).toContain(`edge_proxy_requests_total{route="*/",pool="app",member="${u.url}",code="200"} 5`);
    expect(text).toMatch(/^edge_proxy_request_duration_seconds_count\{route="\*\/",pool="app"\} 10$/m);
    expect(text).toMatch(/^edge_proxy_member_up\{pool="app",member="http:\/\/127\.0\.0\.1:\d+"\} 1$/m);
    expect(text).toMatch(/^edge_proxy_build_info\{version="[^"]+"\} 1$/m);
    expect(text).toContain(`edge_proxy_connections_open{listener="${new URL(ctx.p.url).host}"} `);
    expect(text).toMatch(/^edge_proxy_sent_bytes_total\{route="\*\/"\} [1-9]\d*$/m);
  } finally { await ctx.p.stop(); for (const u of ups) u.stop(); }
});

test("the proxy's own answers on a route (respond, a denied method) are counted under that route", async () => {
  const ups = [echoUpstream("n1")];
  const ctx = await adminProxy(ups, { routes: [{ path: "/hi", respond: { status: 200, body: "hi" } }, { path: "/", pool: "app", denyMethods: ["DELETE"] }] });
  try {
    for (let i = 0; i < 3; i++) expect(await (await fetch(ctx.p.url + "/hi")).text()).toBe("hi");
    expect((await fetch(ctx.p.url + "/x", { method: "DELETE" })).status).toBe(403);
    const read = await token(ctx.dir, "read");
    const text = await (await fetch(ctx.admin + "/metrics", { headers: { authorization: `Bearer ${read}` } })).text();
    expect(text).toMatch(/^edge_proxy_requests_total\{route="\*\/hi",pool="[^"]*",member="",code="200"\} 3$/m);
    expect(text).toMatch(/^edge_proxy_requests_total\{route="\*\/",pool="app",member="",code="403"\} 1$/m);
  } finally { await ctx.p.stop(); for (const u of ups) u.stop(); }
});

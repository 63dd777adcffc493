import { expect, test } from "bun:test";
import { startProxy } from "./harness.ts";

// Seed 002's WSO2 login chain: /commonauth redirects into /authenticationendpoint, which the
// client reaches through a different route to the same Identity Server (httpd maps it so).
test("a member's redirect into another route's upstream comes back through that route, with the client's Host", async () => {
  const is: ReturnType<typeof Bun.serve> = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: (req: Request): Response => {
    const u = new URL(req.url);
    if (u.pathname.startsWith("/commonauth")) return new Response(null, { status: 302, headers: { location: `http://127.0.0.1:${is.port}/authenticationendpoint/login.do?x=1` } });
    return new Response("login page");
  } });
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { is: { members: [{ url: `http://127.0.0.1:${is.port}` }] } },
    routes: [
      { host: "sso.yenlo.com", path: "/is-commonauth", pool: "is", rewritePrefix: "/commonauth" },
      { host: "sso.yenlo.com", path: "/is-authenticationendpoint", pool: "is", rewritePrefix: "/authenticationendpoint" },
    ],
    accessLog: { path: "/dev/null" },
  });
  try {
    const port = new URL(p.url).port;
    const r = await fetch(`${p.url}/is-commonauth?sessionDataKey=1`, { redirect: "manual", headers: { host: `sso.yenlo.com:${port}` } });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe(`http://sso.yenlo.com:${port}/is-authenticationendpoint/login.do?x=1`);
    const next = await fetch(`${p.url}/is-authenticationendpoint/login.do?x=1`, { headers: { host: `sso.yenlo.com:${port}` } });
    expect(await next.text()).toBe("login page");
  } finally { await p.stop(); is.stop(true); }
}, 20_000);

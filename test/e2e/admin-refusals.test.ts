/**
 * Requests refused before routing are counted in /metrics by status, whichever path answered
 * them: the fast lane (404 no route), its gate (400 malformed, 431 head too large, 408 slow
 * head) and the spine behind the tunnel (404 for a request with a body). A request without
 * Host that Bun.serve answers by itself (400) reaches neither the access log nor this counter.
 */
import { expect, test } from "bun:test";
import { connect } from "node:net";
import { echoUpstream } from "./harness.ts";
import { adminProxy, token } from "./admin-harness.ts";

/**
 * Writes raw bytes, resolves with what came back once the proxy closed. `hold`: no half-close
 * (the spine behind the tunnel does not answer a half-closed client; a slow head must stay open).
 */
function raw(url: string, bytes: string, hold = false): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let out = "";
    const c = connect(Number(u.port), u.hostname, () => (hold ? c.write(bytes) : c.end(bytes)));
    c.setTimeout(5000, () => c.destroy());
    c.on("data", (d) => (out += d.toString("latin1")));
    c.on("close", () => resolve(out));
    c.on("error", () => resolve(out));
  });
}

const status = (answer: string) => Number(answer.slice(9, 12));

test("edge_proxy_refused_requests_total counts 400, 404, 408 and 431 answered before routing, by code", async () => {
  const up = echoUpstream("n1");
  const ctx = await adminProxy([up], { routes: [{ path: "/app", pool: "app" }], config: { clientTimeouts: { header: "300ms" } } });
  try {
    const answers = {
      laneNoRoute: await raw(ctx.p.url, "GET /nowhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
      spineNoRoute: await raw(ctx.p.url, "POST /nowhere HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc", true),
      obsFold: await raw(ctx.p.url, "GET /app HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n"),
      tooLarge: await raw(ctx.p.url, `GET /app HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(70_000)}\r\n\r\n`),
      slowHead: await raw(ctx.p.url, "GET /app HTTP/1.1\r\nHost: a\r\n", true),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([k, a]) => [k, status(a)]))).toEqual({ laneNoRoute: 404, spineNoRoute: 404, obsFold: 400, tooLarge: 431, slowHead: 408 });
    for (let i = 0; i < 3; i++) expect((await fetch(ctx.p.url + "/app")).status).toBe(200); // routed: not refusals
    const read = await token(ctx.dir, "read");
    const text = await (await fetch(ctx.admin + "/metrics", { headers: { authorization: `Bearer ${read}` } })).text();
    const refused = Object.fromEntries([...text.matchAll(/^edge_proxy_refused_requests_total\{code="(\d+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
    expect(refused).toEqual({ "400": 1, "404": 2, "408": 1, "431": 1 });
    expect(text).toContain('edge_proxy_requests_total{route="*/app",pool="app",member="' + up.url + '",code="200"} 3');
  } finally { await ctx.p.stop(); up.stop(); }
}, 20_000); // a proxy with admin, five raw exchanges and a token: past bun's 5 s default once, right after the Chromium scale test

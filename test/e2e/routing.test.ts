import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closedPort, echoUpstream, startProxy, type RunningProxy } from "./harness.ts";
import { connect } from "node:net";

/** Sends raw bytes and returns the raw response (for Host-header cases fetch cannot produce). */
function raw(url: string, text: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const c = connect(Number(u.port), u.hostname, () => c.write(text));
    let out = "";
    c.on("data", (d) => (out += d));
    c.on("end", () => resolve(out));
    c.on("error", reject);
  });
}

describe("routing by host and path", () => {
  const a = echoUpstream("a");
  const b = echoUpstream("b");
  const c = echoUpstream("c");
  let p: RunningProxy;
  beforeAll(async () => {
    p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { a: { members: [{ url: a.url }] }, b: { members: [{ url: b.url }] }, c: { members: [{ url: c.url }] } },
      routes: [
        { host: "sso.example.com", path: "/apim-t", pool: "a", rewritePrefix: "/token" },
        { host: "sso.example.com", path: "/is", pool: "b", denyMethods: ["TRACE", "OPTIONS"] },
        { host: "*.example.com", path: "/", pool: "c" },
        { path: "/balancer-manager", respond: { status: 404, body: "nope" } },
        { path: "/old", redirect: { to: "https://new.example/", status: 301 } },
        { path: "/moved", redirect: { to: "https://new.example/now", status: 301, keepPath: true } },
        { path: "/", pool: "a", preserveHost: false, requestHeaders: { set: { "X-Forwarded-Port": "443" } } },
      ],
      accessLog: { format: "json" },
    });
  });
  afterAll(async () => {
    await p.stop();
    a.stop(); b.stop(); c.stop();
  });
  const get = (path: string, host: string, init: RequestInit = {}) => fetch(p.url + path, { ...init, headers: { host, ...(init.headers as object) } });
  type Echo = { name: string; path: string; headers: Record<string, string> };
  const echo = async (path: string, host: string): Promise<Echo> => (await (await get(path, host)).json()) as Echo;

  test("exact host and segment-boundary prefix with rewritePrefix", async () => {
    const r = await echo("/apim-t/x?q=1", "sso.example.com");
    expect(r).toMatchObject({ name: "a", path: "/token/x?q=1" });
    // /apim-token is not under /apim-t: it falls to the wildcard route
    expect((await echo("/apim-token", "sso.example.com")).name).toBe("c");
  });
  test("wildcard host, host compared case-insensitively, port ignored", async () => {
    expect((await echo("/z", "Deep.Sub.Example.COM:8443")).name).toBe("c");
    expect((await echo("/z", "example.com")).name).toBe("a"); // not the bare name
  });
  test("dot segments are resolved before matching", async () => {
    const res = await raw(p.url, "GET /is/../balancer-manager HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
    expect(res).toStartWith("HTTP/1.1 404");
    expect(res).toContain("nope");
    const enc = await raw(p.url, "GET /is/%2e%2e/balancer-manager HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
    expect(enc).toStartWith("HTTP/1.1 404");
  });
  test("no spelling of a path reaches the upstream past a route's rules", async () => {
    for (const target of ["/%62alancer-manager", "/balancer-manager;x", "/balancer%2Dmanager", "/x/..%2fbalancer-manager", "/x/..%5Cbalancer-manager"]) {
      const res = await raw(p.url, `GET ${target} HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n`);
      expect({ target, status: res.slice(0, 12) }).toEqual({ target, status: "HTTP/1.1 404" });
      // An encoded slash is refused by the proxy itself (AllowEncodedSlashes Off), before any route answers.
      expect(res).toContain(target.includes("..%") ? "encoded / or \\" : "nope");
    }
    expect(await raw(p.url, "GET /balancer-manager#x HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n")).toStartWith("HTTP/1.1 400");
    const before = b.seen.length;
    const res = await raw(p.url, "OPTIONS /%69s/x HTTP/1.1\r\nHost: sso.example.com\r\nConnection: close\r\n\r\n");
    expect(res).toStartWith("HTTP/1.1 403");
    expect(b.seen.length).toBe(before);
  });

  test("denyMethods answers 403 before any upstream", async () => {
    const before = b.seen.length;
    const res = await get("/is/x", "sso.example.com", { method: "OPTIONS" });
    expect(res.status).toBe(403);
    expect(b.seen.length).toBe(before);
  });
  test("redirect and respond routes", async () => {
    const res = await get("/old/x", "any", { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("https://new.example/");
  });
  test("a redirect with keepPath carries the rest of the normalized path and the query, as Apache's Redirect", async () => {
    const res = await get("/moved/a/../b%20c?q=1&r", "any", { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("https://new.example/now/b%20c?q=1&r");
    const bare = await get("/moved", "any", { redirect: "manual" });
    expect(bare.headers.get("location")).toBe("https://new.example/now");
  });
  test("preserveHost false sends the member host; request rules override X-Forwarded-Port", async () => {
    const r = await echo("/p", "front.test");
    expect(r.headers.host).toBe(new URL(a.url).host);
    expect(r.headers["x-forwarded-host"]).toBe("front.test");
    expect(r.headers["x-forwarded-port"]).toBe("443");
    expect(r.headers["x-forwarded-proto"]).toBe("http");
  });
  test("missing, invalid or repeated Host gets 400", async () => {
    expect(await raw(p.url, "GET / HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n")).toStartWith("HTTP/1.1 400");
    expect(await raw(p.url, "GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n")).toStartWith("HTTP/1.1 400");
    expect(await raw(p.url, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n")).toStartWith("HTTP/1.1 400"); // HTTP/1.0 may leave it out
    await p.waitFor(/("status":400[\s\S]*){3}/); // the log is written in batches: wait for all three
    const refused = p.stdout().split("\n").filter((l) => l.includes('"status":400')).map((l) => JSON.parse(l));
    expect(refused.length).toBeGreaterThanOrEqual(3); // refused requests are logged too
    expect(refused[0]).toMatchObject({ route: "-", method: "GET", clientIp: "127.0.0.1" });
    // Each names its request line as sent, as Apache's %r and NGINX's $request do, not "- -".
    expect(refused.slice(-3).map((e) => `${e.method} ${e.target} ${e.protocol}`)).toEqual(["GET / HTTP/1.1", "GET / HTTP/1.1", "GET / HTTP/1.1"]);
  });
  test("the access log has one JSON line per request with route, pool and member", async () => {
    await get("/apim-t/logged", "sso.example.com");
    await p.waitFor("/apim-t/logged");
    const line = p.stdout().split("\n").find((l) => l.includes("/apim-t/logged"))!;
    const e = JSON.parse(line);
    expect(e).toMatchObject({ status: 200, route: "sso.example.com/apim-t", pool: "a", member: a.url, method: "GET" });
    expect(e.bytes).toBeGreaterThan(0);
  });
});

test("routes with ports: each listener serves its own vhost's routes for the same host and path, and the routes without ports", async () => {
  const web = echoUpstream("web");
  const gw = echoUpstream("gw");
  const [portA, portB] = [closedPort(), closedPort()];
  const p = await startProxy({
    listeners: [{ port: portA, host: "127.0.0.1" }, { port: portB, host: "127.0.0.1" }],
    pools: { web: { members: [{ url: web.url }] }, gw: { members: [{ url: gw.url }] } },
    routes: [
      { host: "api.example.com", path: "/", pool: "web", ports: [portA] },
      { host: "api.example.com", path: "/", pool: "gw", ports: [portB] },
      { path: "/", respond: { status: 200, body: "any" } },
    ],
    accessLog: { format: "json" },
  });
  try {
    const on = async (port: number, host: string) => (await raw(`http://127.0.0.1:${port}`, `GET /x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).split("\r\n\r\n")[1];
    expect(JSON.parse((await on(portA, "api.example.com"))!).name).toBe("web");
    expect(JSON.parse((await on(portB, "api.example.com"))!).name).toBe("gw");
    expect(await on(portB, "other.example.com")).toBe("any");
    await p.waitFor(`"route":"api.example.com:${portB}/"`);
  } finally {
    await p.stop();
    web.stop();
    gw.stop();
  }
});

test("ProxyPassReverse per listener port: a route of every port maps a Location through the port-scoped routes of the listener it answers on only", async () => {
  const gw = echoUpstream("gw");
  // The app redirects to the gateway member's own URL, which only port B's route reaches.
  const app = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(null, { status: 302, headers: { location: `${gw.url}/gw/x` } }) });
  const [portA, portB] = [closedPort(), closedPort()];
  const p = await startProxy({
    listeners: [{ port: portA, host: "127.0.0.1" }, { port: portB, host: "127.0.0.1" }],
    pools: { app: { members: [{ url: `http://127.0.0.1:${app.port}` }] }, gw: { members: [{ url: gw.url }] } },
    routes: [{ path: "/gw", pool: "gw", ports: [portB] }, { path: "/app", pool: "app" }],
  });
  try {
    const location = async (port: number) => (await fetch(`http://127.0.0.1:${port}/app/y`, { redirect: "manual" })).headers.get("location");
    expect(await location(portA)).toBe(`${gw.url}/gw/x`); // port A has no /gw: left as the member sent it
    expect(await location(portB)).toBe(`http://127.0.0.1:${portB}/gw/x`);
  } finally {
    await p.stop();
    app.stop(true);
    gw.stop();
  }
});

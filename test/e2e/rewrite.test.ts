import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startProxy, type RunningProxy } from "./harness.ts";

/** A WSO2-like upstream: redirects to its own URL, to another internal URL, and sets cookies. */
function app(name: string) {
  const server = Bun.serve({
    port: 0, hostname: "127.0.0.1", development: false,
    fetch(req) {
      const url = new URL(req.url);
      const self = `http://127.0.0.1:${server.port}`;
      const to = url.searchParams.get("to");
      const headers = new Headers({ "x-served-by": name });
      if (to === "self") headers.set("location", `${self}/samlsso/next?x=1`);
      else if (to === "also") headers.set("location", "https://localhost:9443/commonauth/login");
      else if (to === "foreign") headers.set("location", "https://idp.example.org/sso");
      else if (to === "relative") headers.set("location", "/samlsso/rel");
      headers.append("set-cookie", "JSESSIONID=abc.n1; Path=/samlsso; HttpOnly");
      headers.append("set-cookie", "other=1; Path=/elsewhere");
      return new Response(null, { status: to ? 302 : 204, headers });
    },
  });
  return { server, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

describe("response rewriting (ProxyPassReverse, Header edit) through dist/proxy", () => {
  const n1 = app("n1"), n2 = app("n2");
  let p: RunningProxy;
  beforeAll(async () => {
    p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { is: { members: [{ url: n1.url }, { url: n2.url }] } },
      routes: [
        { path: "/is-samlsso", pool: "is", rewritePrefix: "/samlsso", reverseAlso: ["https://localhost:9443/commonauth"] },
        { path: "/secure", pool: "is", rewritePrefix: "/samlsso",
          responseHeaders: { edit: [{ name: "Location", match: "^http://(.*)$", replace: "https://$1" }], set: { "X-Route": "{route}" }, remove: ["x-served-by"] } },
      ],
      accessLog: { path: "/dev/null" },
    });
  });
  afterAll(async () => { await p.stop(); n1.stop(); n2.stop(); });
  const get = (path: string) => fetch(p.url + path, { redirect: "manual", headers: { host: "sso.example.com" } });

  test("redirects to each member URL come back as the client-facing URL", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await get("/is-samlsso?to=self");
      expect(r.status).toBe(302);
      expect(r.headers.get("location")).toBe("http://sso.example.com/is-samlsso/next?x=1");
      seen.add(r.headers.get("x-served-by")!);
    }
    expect(seen).toEqual(new Set(["n1", "n2"])); // both members' URLs were mapped
  });
  test("a reverseAlso URL is mapped; foreign and relative URLs are left alone", async () => {
    expect((await get("/is-samlsso?to=also")).headers.get("location")).toBe("http://sso.example.com/is-samlsso/login");
    expect((await get("/is-samlsso?to=foreign")).headers.get("location")).toBe("https://idp.example.org/sso");
    expect((await get("/is-samlsso?to=relative")).headers.get("location")).toBe("/samlsso/rel");
  });
  test("Set-Cookie Path under the upstream prefix maps to the route prefix; others untouched", async () => {
    const r = await get("/is-samlsso");
    expect(r.headers.getSetCookie()).toEqual(["JSESSIONID=abc.n1; Path=/is-samlsso; HttpOnly", "other=1; Path=/elsewhere"]);
  });
  test("Header edit runs after the reverse mapping and turns http: into https:", async () => {
    const r = await get("/secure?to=self");
    expect(r.headers.get("location")).toBe("https://sso.example.com/secure/next?x=1");
    expect(r.headers.get("x-route")).toBe("/secure");
    expect(r.headers.get("x-served-by")).toBeNull();
  });
});

describe("ProxyPassReverse vhost-wide: the seed-002 WSO2 login chain", () => {
  test("/commonauth's redirect to the internal authenticationendpoint maps through the sibling route, with a trusted X-Forwarded-Proto", async () => {
    const is: Bun.Server<undefined> = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch(req): Response {
      const path = new URL(req.url).pathname;
      if (path === "/commonauth") return new Response(null, { status: 302, headers: { location: "https://localhost:9443/authenticationendpoint/login.do?x=1" } });
      if (path === "/commonauth/member") return new Response(null, { status: 302, headers: { location: `http://127.0.0.1:${is.port}/authenticationendpoint/retry.do` } });
      return new Response("login page");
    } });
    const member = { url: `http://127.0.0.1:${is.port}` };
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      trustedProxies: ["127.0.0.1"],
      pools: { is: { members: [member] } },
      routes: [
        { host: "sso.yenlo.com", path: "/is-commonauth", pool: "is", rewritePrefix: "/commonauth", reverseAlso: ["https://localhost:9443/commonauth"] },
        { host: "sso.yenlo.com", path: "/is-authenticationendpoint", pool: "is", rewritePrefix: "/authenticationendpoint", reverseAlso: ["https://localhost:9443/authenticationendpoint"] },
        { host: "other.example.com", path: "/elsewhere", pool: "is", rewritePrefix: "/authenticationendpoint" },
      ],
      accessLog: { path: "/dev/null" },
    });
    try {
      const get = (path: string, headers: Record<string, string>) => fetch(p.url + path, { redirect: "manual", headers });
      const behindOffloader = { host: "sso.yenlo.com:8091", "x-forwarded-proto": "https" };
      const r = await get("/is-commonauth", behindOffloader);
      expect(r.status).toBe(302);
      expect(r.headers.get("location")).toBe("https://sso.yenlo.com:8091/is-authenticationendpoint/login.do?x=1");
      // A member URL of the sibling route maps the same way; the listener's scheme without the header.
      const m = await get("/is-commonauth/member", { host: "sso.yenlo.com:8091" });
      expect(m.headers.get("location")).toBe("http://sso.yenlo.com:8091/is-authenticationendpoint/retry.do");
    } finally { await p.stop(); is.stop(true); }
  });
});

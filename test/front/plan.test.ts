import { expect, test } from "bun:test";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { FastPlan } from "../../src/front/front-context.ts";
import { LocalAnswer } from "../../src/front/local-answer.ts";
import { fastLanes } from "../../src/front/plan.ts";
import { readFastHead } from "../../src/front/request-head.ts";

const rt = compile(parseConfigText(JSON.stringify({
  listeners: [{ port: 8080 }],
  pools: {
    plain: { members: [{ url: "http://10.0.0.1:80" }] },
    tls: { members: [{ url: "https://10.0.0.2:443" }] },
    sticky: { members: [{ url: "http://10.0.0.3:80" }], sticky: { cookie: "ROUTEID", mode: "insert" } },
  },
  routes: [
    { path: "/tls", pool: "tls" },
    { path: "/sticky", pool: "sticky" },
    { path: "/rules", pool: "plain", requestHeaders: { set: { "X-A": "1" } } },
    { path: "/local", respond: { status: 204 } },
    { path: "/auth", pool: "plain", auth: { jwt: { jwksUrl: "http://127.0.0.1:1/jwks" } } },
    { path: "/", pool: "plain", denyMethods: ["DELETE"] },
  ],
})), { file: "/tmp/routes.json" });

const head = (target: string, method = "GET") => readFastHead(`${method} ${target} HTTP/1.1\r\nHost: a\r\n\r\n`)!;
const forwarded = (p: FastPlan | LocalAnswer | undefined) => p as FastPlan | undefined;
const answered = (p: FastPlan | LocalAnswer | undefined) => (p instanceof LocalAnswer ? p.status : undefined);

test("a plain route to a pool of http:// members is the lane's, with the normalized path", () => {
  const plan = forwarded(fastLanes(rt).plan(head("/x/./y/../z?q")));
  expect(plan?.pool.name).toBe("plain");
  expect(plan?.path).toBe("/x/z");
});

test("the path sent upstream keeps the client's encoding; only what is already canonical is sent as matched", () => {
  const lanes = fastLanes(rt);
  const sent = (t: string) => [forwarded(lanes.plan(head(t)))?.path, forwarded(lanes.plan(head(t)))?.canonical];
  expect(sent("/a/b")).toEqual(["/a/b", "/a/b"]);
  expect(sent("/%61/b")).toEqual(["/%61/b", "/a/b"]);
  expect(sent("/a;v=1/b")).toEqual(["/a;v=1/b", "/a/b"]);
  expect(sent("/a//./b")).toEqual(["/a/b", "/a/b"]);
  expect(sent("/x/%2e%2e/b")).toEqual(["/b", "/b"]);
});

test("requestHeaders routes and https:// members are the lane's; local answers, denied methods and bad paths are answered by the front", () => {
  const lanes = fastLanes(rt);
  expect(forwarded(lanes.plan(head("/tls/a")))?.pool.name).toBe("tls");
  expect(lanes.lanes.get(rt.pools.get("tls")!.pool.members[0]!)?.dialer.tls).toBe(true);
  expect(forwarded(lanes.plan(head("/rules/a")))?.route.path).toBe("/rules");
  expect(answered(lanes.plan(head("/local")))).toBe(204);
  expect(answered(lanes.plan(head("/a", "DELETE")))).toBe(403);
  expect(answered(lanes.plan(head("/%00")))).toBe(400); // matchPath refuses
  expect(answered(lanes.plan(head("/a%zz")))).toBe(400);
  expect(answered(lanes.plan(head("/a%2Fb")))).toBe(404);
});

test("sticky pools and routes with auth are planned like any pool route (the exchange adds the cookie and checks the token)", () => {
  expect(forwarded(fastLanes(rt).plan(head("/sticky/a")))?.pool.name).toBe("sticky");
  expect(forwarded(fastLanes(rt).plan(head("/auth/a")))?.route.auth).toBeDefined();
});

test("routes with ports: a listener's plan serves only the routes of its port and the routes without ports", () => {
  const scoped = compile(parseConfigText(JSON.stringify({
    listeners: [{ port: 8080 }, { port: 8443 }],
    pools: { web: { members: [{ url: "http://10.0.0.1:80" }] }, gw: { members: [{ url: "http://10.0.0.2:80" }] } },
    routes: [
      { host: "api.example.com", path: "/", pool: "gw", ports: [8443] },
      { host: "api.example.com", path: "/", pool: "web", ports: [8080] },
      { path: "/health", respond: { status: 204 } },
    ],
  })), { file: "/tmp/routes.json" });
  const lanes = fastLanes(scoped);
  const on = (port: number, target: string, host = "api.example.com") => lanes.planFor(port)(readFastHead(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`)!);
  expect(forwarded(on(8443, "/x"))?.pool.name).toBe("gw");
  expect(forwarded(on(8080, "/x"))?.pool.name).toBe("web");
  expect(answered(on(8443, "/health", "other"))).toBe(204);
  // A port no route names: only the routes without ports.
  expect(answered(on(9999, "/x"))).toBe(404);
  expect(answered(on(9999, "/health"))).toBe(204);
  expect(forwarded(on(8443, "/x"))?.route.label).toBe("api.example.com:8443/");
  // Without any route naming ports, every listener shares the one plan.
  const shared = fastLanes(rt);
  expect(shared.planFor(8080)).toBe(shared.plan);
});

test("on its port a route with ports wins over the same host and path without ports, whatever their order", () => {
  const rt2 = compile(parseConfigText(JSON.stringify({
    listeners: [{ port: 8080 }, { port: 8443 }],
    pools: {},
    routes: [{ path: "/c", respond: { status: 200 } }, { path: "/c", respond: { status: 201 }, ports: [8443] }],
  })), { file: "/tmp/routes.json" });
  const lanes = fastLanes(rt2);
  const on = (port: number) => answered(lanes.planFor(port)(readFastHead("GET /c/x HTTP/1.1\r\nHost: a\r\n\r\n")!));
  expect(on(8443)).toBe(201);
  expect(on(8080)).toBe(200);
});

test("a reload keeps a member's lane only while its dialer (upstream TLS settings) is the same", async () => {
  const { Registry } = await import("../../src/state/registry.ts");
  const { createCA } = await import("../../src/tls/issue.ts");
  const files = new Map([["/tmp/a.pem", (await createCA({ cn: "A" })).certPem], ["/tmp/b.pem", (await createCA({ cn: "B" })).certPem]]);
  let caFile = "/tmp/a.pem";
  const readFile = (p: string) => new TextEncoder().encode(p.endsWith("ca.pem") ? files.get(caFile)! : "");
  const config = parseConfigText(JSON.stringify({ listeners: [{ port: 8080 }], pools: { p: { members: [{ url: "https://10.0.0.9" }], tls: { ca: "ca.pem" } }, q: { members: [{ url: "http://10.0.0.8" }] } }, routes: [{ path: "/", pool: "p" }, { path: "/q", pool: "q" }] }));
  const registry = new Registry();
  const first = compile(config, { file: "/tmp/routes.json", registry, readFile });
  const before = fastLanes(first);
  const same = compile(config, { file: "/tmp/routes.json", registry, readFile, previous: first });
  caFile = "/tmp/b.pem"; // the file tls.ca names now holds another CA
  const edited = compile(config, { file: "/tmp/routes.json", registry, readFile, previous: same });
  const [p, q] = [...first.pools.values()].map((x) => x.pool.members[0]!);
  const kept = fastLanes(same, before.lanes);
  expect(kept.lanes.get(p!)).toBe(before.lanes.get(p!)!);
  const renewed = fastLanes(edited, kept.lanes);
  expect(renewed.lanes.get(p!)).not.toBe(kept.lanes.get(p!)!);
  expect(renewed.lanes.get(q!)).toBe(kept.lanes.get(q!)!);
});

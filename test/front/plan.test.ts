import { expect, test } from "bun:test";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
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

test("a plain route to a pool of http:// members is the lane's, with the normalized path", () => {
  const plan = fastLanes(rt, false).plan(head("/x/./y/../z?q"));
  expect(plan?.pool.name).toBe("plain");
  expect(plan?.path).toBe("/x/z");
});

test("TLS members, local answers and denied methods are the spine's; requestHeaders routes the lane's", () => {
  const lanes = fastLanes(rt, true);
  for (const target of ["/tls/a", "/local"]) expect(lanes.plan(head(target))).toBeUndefined();
  expect(lanes.plan(head("/rules/a"))?.route.path).toBe("/rules");
  expect(lanes.plan(head("/a", "DELETE"))).toBeUndefined();
  expect(lanes.plan(head("/%00"))).toBeUndefined(); // matchPath refuses: the spine answers 400
});

test("a sticky pool is the lane's only when the sticky cookie hook is there", () => {
  expect(fastLanes(rt, false).plan(head("/sticky/a"))).toBeUndefined();
  expect(fastLanes(rt, true).plan(head("/sticky/a"))?.pool.name).toBe("sticky");
});

test("a route with auth is the spine's (the lane does not check tokens)", () => {
  expect(fastLanes(rt, true).plan(head("/auth/a"))).toBeUndefined();
});

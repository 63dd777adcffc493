import { describe, expect, test } from "bun:test";
import { semanticIssues } from "../../src/config/semantics.ts";

const base = (over: object) => ({ listeners: [{ port: 0 }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ path: "/", pool: "a" }], ...over });
const paths = (raw: unknown) => semanticIssues(raw).map((i) => `${i.path}: ${i.message}`);

describe("semanticIssues", () => {
  test("routes with the same host (any case) and path are an error naming both", () => {
    const out = paths(base({ routes: [{ host: "A.example.com", path: "/x", pool: "a" }, { host: "a.EXAMPLE.com", path: "/x", pool: "a", name: "again" }] }));
    expect(out).toEqual(["routes[1]: same host and path as routes[0] (A.example.com/x), so routes[1] (again) could never be used; remove one or change its host or path"]);
  });

  test("an absent path is /, an absent host is any host; paths compare exactly", () => {
    expect(paths(base({ routes: [{ pool: "a" }, { path: "/", pool: "a" }] }))[0]).toContain("routes[1]: same host and path as routes[0] (*/)");
    expect(paths(base({ routes: [{ path: "/x", pool: "a" }, { path: "/x/", pool: "a" }, { path: "/X", pool: "a" }, { host: "h", path: "/x", pool: "a" }] }))).toEqual([]);
  });

  test("routes[].ports: the same host and path may repeat on other ports; a route is an error only where it could never be used", () => {
    const two = { listeners: [{ port: 8080 }, { port: 8443 }] };
    const routes = (...rs: object[]) => paths(base({ ...two, routes: rs.map((r) => ({ path: "/", pool: "a", ...r })) }));
    expect(routes({ ports: [8080] }, { ports: [8443] })).toEqual([]);
    expect(routes({ ports: [8080, 8443] }, { ports: [8443] })).toEqual([
      "routes[1]: same host and path as routes[0] (*:8080,8443/) on every port it names, so routes[1] (*:8443/) could never be used; remove one or change its host, path or ports",
    ]);
    // Overlapping ports with one left to it: served there (the first wins the shared port).
    expect(routes({ ports: [8080] }, { ports: [8080, 8443] })).toEqual([]);
    // <VirtualHost *:8443> and <VirtualHost *>: the route with ports wins on its port, the other serves the rest, in either order.
    expect(routes({ ports: [8443] }, {})).toEqual([]);
    expect(routes({}, { ports: [8443] })).toEqual([]);
    // Routes with ports on every listener port leave the route without ports nothing.
    expect(routes({}, { ports: [8080] }, { ports: [8443] })).toEqual([
      "routes[0]: routes[0] (*/) could never be used: on every listener port a route with ports (routes[1], routes[2]) has the same host and path; remove it or one of those ports",
    ]);
  });

  test("a route's port names a listener that routes: not a missing port, not a redirectHttps listener's; what is no port at all is the schema's", () => {
    const listeners = [{ port: 8080 }, { port: 80, redirectHttps: { port: 443 } }, { port: 0 }];
    expect(paths(base({ listeners, routes: [{ path: "/", pool: "a", ports: [8080, 9443, 80, 70000, 1.5] }] }))).toEqual([
      "routes[0].ports[1]: no listener has port 9443 (listeners that route: 8080); a route's ports name listeners' ports",
      "routes[0].ports[2]: port 80 is a redirectHttps listener's, which answers every request itself; name a listener that routes (8080)",
    ]);
  });

  test("two routes under one name are an error at the second's name, a name equal to another route's default label too", () => {
    expect(paths(base({ routes: [{ path: "/a", pool: "a", name: "same" }, { path: "/b", pool: "a", name: "same" }] }))).toEqual([
      'routes[1].name: "same" already names routes[0]; route names must be unique (they label logs and metrics)',
    ]);
    expect(paths(base({ routes: [{ path: "/a", pool: "a", name: "*/b" }, { path: "/b", pool: "a" }] }))).toEqual([
      'routes[1]: "*/b" already names routes[0]; route names must be unique (they label logs and metrics)',
    ]);
    expect(paths(base({ routes: [{ path: "/a", pool: "a", name: "one" }, { path: "/b", pool: "a", name: "two" }] }))).toEqual([]);
  });

  test("admin.listen on a data listener's port (same host, or either on every address) is an error at admin.listen", () => {
    expect(paths(base({ listeners: [{ port: 8080 }], admin: { listen: "127.0.0.1:8080" } }))).toEqual(["admin.listen: port 8080 is listeners[0]'s (0.0.0.0:8080); the admin needs a port of its own"]);
    expect(paths(base({ listeners: [{ port: 8080, host: "10.0.0.1" }], admin: { listen: "127.0.0.1:8080" } }))).toEqual([]);
    expect(paths(base({ listeners: [{ port: 8080, host: "127.0.0.1" }], admin: { listen: "127.0.0.1:9090" } }))).toEqual([]);
  });

  test("reserved object names cannot be pool names", () => {
    const raw = JSON.parse('{"listeners":[{"port":0}],"pools":{"__proto__":{"members":[{"url":"http://x:1"}]},"constructor":{"members":[{"url":"http://x:1"}]}},"routes":[{"path":"/","pool":"constructor"}]}');
    expect(paths(raw)).toEqual([
      'pools.__proto__: "__proto__" is reserved in JavaScript objects; choose another pool name',
      'pools.constructor: "constructor" is reserved in JavaScript objects; choose another pool name',
    ]);
  });

  test("one member URL twice in a pool, however spelled (a trailing slash, the host's case), is an error at the second; other pools may share it", () => {
    const out = paths(base({ pools: {
      a: { members: [{ url: "http://127.0.0.1:24601", route: "x1" }, { url: "http://127.0.0.1:24602" }, { url: "HTTP://127.0.0.1:24601/", route: "x2" }] },
      b: { members: [{ url: "http://127.0.0.1:24601" }] },
    } }));
    expect(out).toEqual(['pools.a.members[2].url: "HTTP://127.0.0.1:24601/" is the same member as members[0]; list a member once (give it a weight to send it more)']);
  });

  test("a pool without members is an error even where the schema cannot see it", () => {
    const raw = JSON.parse('{"listeners":[{"port":0}],"pools":{"__proto__":{"members":[]}},"routes":[{"path":"/","pool":"x"}]}');
    expect(paths(raw)).toContain('pools.__proto__.members: a pool needs at least one member: add { "url": "http://host:port" }');
  });
});

import { expect, test } from "bun:test";
import type { RouteConfig } from "../../src/config/schema.ts";
import { vhostSiblings } from "../../src/config/vhost.ts";

const r = (path: string, host?: string, over: Partial<RouteConfig> = {}) => ({ path, host, pool: "p", reverse: true, reverseAlso: [], ...over }) as RouteConfig;

test("an exact host's vhost: same host (any case), matching wildcards, host-less routes; not other hosts", () => {
  const me = r("/a", "sso.example.com");
  const all = [me, r("/b", "SSO.example.com"), r("/c", "*.example.com"), r("/d"), r("/e", "other.com"), r("/f", "sso.example.com", { reverse: false }), r("/g", "sso.example.com", { pool: undefined })];
  expect(vhostSiblings(me, all).map((o) => o.path)).toEqual(["/b", "/c", "/d"]);
});

test("a host-less route's vhost is the host-less routes; a wildcard's is itself and host-less", () => {
  const bare = r("/a");
  const wild = r("/w", "*.example.com");
  const all = [bare, wild, r("/b"), r("/x", "x.example.com"), r("/w2", "*.example.com")];
  expect(vhostSiblings(bare, all).map((o) => o.path)).toEqual(["/b"]);
  expect(vhostSiblings(wild, all).map((o) => o.path)).toEqual(["/a", "/b", "/w2"]);
});

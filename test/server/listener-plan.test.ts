import { describe, expect, test } from "bun:test";
import { listenerKey, planListeners } from "../../src/server/listener-plan.ts";

const http = (port: number, host = "127.0.0.1") => ({ host, port });
const https = (port: number, host = "127.0.0.1") => ({ host, port, tls: { certificates: "internal" as const } });

describe("planListeners", () => {
  test("listeners that stay are matched wherever they moved in the list", () => {
    const p = planListeners([http(8080), https(8443)], [https(8443), http(9090), http(8080)]);
    expect(p.kept).toEqual([[1, 0], [0, 2]]);
    expect(p.added).toEqual([1]);
    expect(p.removed).toEqual([]);
    expect(p.conflicts).toEqual([]);
  });

  test("a new address or port is a remove plus an add", () => {
    const p = planListeners([http(8080), http(8081)], [http(8080), http(8082), http(8081, "10.0.0.1")]);
    expect(p.kept).toEqual([[0, 0]]);
    expect(p.added).toEqual([1, 2]);
    expect(p.removed).toEqual([1]);
    expect(p.conflicts).toEqual([]);
  });

  test("port-0 listeners with the same address pair up in config order", () => {
    const p = planListeners([http(0), http(0)], [http(0), https(0), http(0), http(0)]);
    expect(p.kept).toEqual([[0, 0], [1, 2]]);
    expect(p.added).toEqual([1, 3]);
    expect(planListeners([http(0), http(0)], [http(0)]).removed).toEqual([1]);
  });

  test("a port a removed listener still holds is a conflict named by the new listener's path", () => {
    // HTTP to HTTPS on the same port, and a wildcard that overlaps a specific address.
    const p = planListeners([http(8080), http(9000)], [https(8080), http(9000, "0.0.0.0")]);
    expect(p.conflicts.map((c) => c.path)).toEqual(["listeners[0].port", "listeners[1].port"]);
    expect(p.conflicts[0]!.message).toContain("https://127.0.0.1:8080 needs port 8080, which http://127.0.0.1:8080 (listeners[0] of the running configuration) holds");
    expect(p.conflicts[0]!.message).toContain("use another port and remove the old listener in a later reload");
    // Different addresses of one port, and port 0, never collide.
    expect(planListeners([http(8080, "127.0.0.1")], [http(8080, "127.0.0.2")]).conflicts).toEqual([]);
    expect(planListeners([http(0)], [https(0)]).conflicts).toEqual([]);
  });

  test("the key says scheme, address and port, with IPv6 in brackets", () => {
    expect(listenerKey(https(443, "::1"))).toBe("https://[::1]:443");
    expect(listenerKey(http(80, "0.0.0.0"))).toBe("http://0.0.0.0:80");
  });
});

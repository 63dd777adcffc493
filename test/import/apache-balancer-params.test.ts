import { parseConfigText } from "../../src/config/load.ts";
import { describe, expect, test } from "bun:test";
import { convert, pools, routes } from "./convert.ts";

const two = "BalancerMember http://a:1 route=1\nBalancerMember http://b:1 route=2";
const site = (passes: string, set = "") => `<Proxy balancer://b>\n${two}\n${set}</Proxy>\n<VirtualHost *:80>\n${passes}\n</VirtualHost>\n`;

describe("balancer parameters on ProxyPass and ProxySet belong to the balancer, as in httpd", () => {
  test("a second ProxyPass's stickysession= applies to the balancer, so to every route using it", () => {
    const c = convert("apache", site("ProxyPass /a balancer://b/\nProxyPass /b balancer://b/ stickysession=ROUTEID"));
    expect(routes(c).map((r) => r.pool)).toEqual(["b", "b"]);
    expect(pools(c).b!.sticky).toEqual({ cookie: "ROUTEID", mode: "route-suffix" });
    expect(c.lines.filter((l) => l.includes("stickysession") && !l.includes("no ProxyPassReverse") && !l.includes("trailing slash"))).toEqual([]);
  });

  test("a later, different value replaces the earlier for the whole balancer, with a note naming both", () => {
    const c = convert("apache", site("ProxyPass /a balancer://b/ lbmethod=bybusyness\nProxyPass /b balancer://b/ lbmethod=bytraffic"));
    expect(pools(c).b!.method).toBe("bytraffic");
    expect(c.lines.join("\n")).toMatch(/:7: note: ProxyPass \/b balancer:\/\/b\/ lbmethod=bytraffic: lbmethod=bytraffic replaces lbmethod=bybusyness \(.*:6\) for every ProxyPass to balancer:\/\/b: httpd sets it on the balancer/);
  });

  test("timeout= on a balancer is httpd's wait for a free member: reported, and the members keep Timeout", () => {
    const c = convert("apache", `Timeout 30\n${site("ProxyPass / balancer://b/ timeout=3", "ProxySet timeout=5\n")}`);
    expect(pools(c).b!.timeouts).toEqual({ connect: "30s", response: "30s", idle: "30s" });
    const text = c.lines.join("\n");
    expect(text).toMatch(/:8: not carried over: ProxyPass \/ balancer:\/\/b\/ timeout=3: timeout=3 on a balancer is how long httpd waits for a free member, not a member timeout/);
    expect(text).toMatch(/:8: note: .*timeout=3 replaces timeout=5 \(.*:5\)/);
    expect(() => parseConfigText(JSON.stringify(c.json))).not.toThrow();
  });

  test("retry= and connectiontimeout= on a balancer, which httpd refuses, are reported and not used", () => {
    const c = convert("apache", site("ProxyPass / balancer://b/ retry=5", "ProxySet connectiontimeout=2\n"));
    expect(pools(c).b).toMatchObject({ timeouts: { connect: "1m" }, health: { passive: { ejectFor: "1m" } } });
    const text = c.lines.join("\n");
    expect(text).toMatch(/:7: not carried over: .*retry= is not a balancer parameter: httpd refuses it .*give it on each BalancerMember/);
    expect(text).toMatch(/:4: not carried over: ProxySet connectiontimeout=2: connectiontimeout= is not a balancer parameter/);
  });

  test("members' own timeout= stays the pool's even where the vhost's Timeout differs from the main server's", () => {
    const c = convert("apache", "<VirtualHost *:80>\nTimeout 30\n<Proxy balancer://b>\nBalancerMember http://a:1 timeout=5\n</Proxy>\nProxyPass / balancer://b/\nProxyPassReverse / balancer://b/\n</VirtualHost>\n");
    expect(pools(c).b!.timeouts).toMatchObject({ response: "5s" });
    expect(routes(c)[0]!.timeouts).toBeUndefined();
  });
});

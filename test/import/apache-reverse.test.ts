import { describe, expect, test } from "bun:test";
import { convert, routes } from "./convert.ts";

const site = (body: string) => `<VirtualHost *:80>\n<Proxy balancer://wso2>\nBalancerMember http://m1:1 route=n1\nBalancerMember http://m2:1 route=n2\n</Proxy>\n${body}\n</VirtualHost>\n`;

describe("ProxyPassReverse onto routes", () => {
  test("ProxyPassReverse / balancer://wso2/ maps the Location of ProxyPass /carbon balancer://wso2/carbon too, as httpd's prefix match does", () => {
    const c = convert("apache", site("ProxyPass /carbon balancer://wso2/carbon\nProxyPass /oauth2 balancer://wso2/oauth2\nProxyPassReverse / balancer://wso2/"));
    expect(routes(c).map((r) => [r.path, r.reverse])).toEqual([["/carbon", undefined], ["/oauth2", undefined]]);
    expect(c.lines.join("\n")).not.toMatch(/no ProxyPass|no ProxyPassReverse/);
  });

  test("a ProxyPassReverse whose rest differs from the route's (/x -> /carbon) does not map it", () => {
    const c = convert("apache", site("ProxyPass /x balancer://wso2/carbon\nProxyPassReverse / balancer://wso2/"));
    expect(routes(c).map((r) => [r.path, r.reverse])).toEqual([["/x", false]]);
    expect(c.lines.join("\n")).toMatch(/:7: not carried over: ProxyPassReverse \/ balancer:\/\/wso2\/: no ProxyPass to a pool has this path or maps under it/);
  });
});

import { expect, test } from "bun:test";
import { Member } from "../../src/balancer/member.ts";
import type { RuntimeRoute } from "../../src/config/runtime.ts";
import { readFastHead } from "../../src/front/request-head.ts";
import { upstreamHead, type UpstreamHeadInput } from "../../src/front/upstream-head.ts";

const member = new Member({ url: "http://10.0.0.5:8080", weight: 1, route: "m", standby: false, state: "active" });
const route = (preserveHost: boolean) => ({ path: "/", preserveHost } as unknown as RuntimeRoute);

function input(head: string, trusted: boolean, preserveHost = true): UpstreamHeadInput {
  const h = readFastHead(head)!;
  return { h, route: route(preserveHost), path: h.rawPath, canonical: h.rawPath, query: h.query, clientIp: "192.0.2.7", scheme: "http", port: 80, trusted };
}

test("an untrusted client's X-Forwarded-*, Forwarded and X-Real-IP are replaced, Host per preserveHost", () => {
  const head = "GET /p?q HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nA: 1\r\n\r\n";
  expect(upstreamHead(input(head, false, false), member)).toBe(
    "GET /p?q HTTP/1.1\r\nhost: 10.0.0.5:8080\r\nA: 1\r\nx-forwarded-for: 192.0.2.7\r\nx-forwarded-proto: http\r\nx-forwarded-host: shop\r\nx-forwarded-port: 80\r\n\r\n",
  );
});

test("a trusted proxy's values are kept and its X-Forwarded-For extended (headers.ts setForwarded)", () => {
  const head = "GET / HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-Proto: https\r\nX-Real-IP: 1.1.1.1\r\n\r\n";
  const out = upstreamHead(input(head, true), member);
  expect(out).toContain("X-Real-IP: 1.1.1.1\r\n");
  expect(out).toContain("x-forwarded-for: 1.1.1.1, 192.0.2.7\r\nx-forwarded-proto: https\r\nx-forwarded-host: shop\r\nx-forwarded-port: 80\r\n");
});

test("an empty X-Forwarded-For from a trusted proxy counts as none (no leading comma)", () => {
  const head = "GET / HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For:\r\n\r\n";
  expect(upstreamHead(input(head, true), member)).toContain("x-forwarded-for: 192.0.2.7\r\n");
});

test("requestHeaders rules run last, on every field including X-Forwarded-* (the seeds' X-Forwarded-Port 443)", () => {
  const x = input("GET / HTTP/1.1\r\nHost: shop\r\nX-Drop: 1\r\nKeep: 2\r\n\r\n", false);
  x.route = { ...x.route, label: "/", requestRules: (h, v) => {
    h.set("x-forwarded-port", "443");
    h.delete("x-drop");
    h.set("x-route", `${v.route} ${v.member} ${v.client_ip} ${v.host} ${v.scheme}`);
  } } as RuntimeRoute;
  const out = upstreamHead(x, member);
  expect(out).toStartWith("GET / HTTP/1.1\r\n");
  expect(out).toContain("x-forwarded-port: 443\r\n");
  expect(out).not.toContain("x-forwarded-port: 80");
  expect(out).not.toContain("x-drop");
  expect(out).toContain("keep: 2\r\n");
  expect(out).toContain("x-route: / http://10.0.0.5:8080 192.0.2.7 shop http\r\n");
  expect(out).toEndWith("\r\n\r\n");
});

import { describe, expect, test } from "bun:test";
import { fieldHint } from "../../src/config/hints.ts";

describe("fieldHint", () => {
  test.each([
    ["loadfactor", "weight"], ["backup", "standby: true"], ["lbmethod", "method"], ["stickysession", "sticky"],
    ["proxy_read_timeout", "timeouts.response"], ["proxy_connect_timeout", "timeouts.connect"], ["max_fails", "health.passive.maxFails"],
    ["client_max_body_size", "maxBodySize"], ["ProxyPreserveHost", "preserveHost"],
  ])("%s -> %s", (word, field) => {
    expect(fieldHint(word)).toContain(field);
  });

  test("case, dashes and underscores do not matter", () => {
    expect(fieldHint("LoadFactor")).toContain("weight");
    expect(fieldHint("proxy-read-timeout")).toContain("timeouts.response");
    expect(fieldHint("stickySession")).toContain("sticky");
  });

  test("a word unknown to Apache and NGINX gets no hint", () => {
    expect(fieldHint("wieght")).toBeUndefined();
    expect(fieldHint("__proto__")).toBeUndefined();
  });
});

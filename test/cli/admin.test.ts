/** What the admin's composition decides across reloads: one token check per config, and what waits for a restart. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { adminReloadCheck, verifierFor } from "../../src/cli/admin.ts";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { makeTempDir } from "../temp-dirs.ts";

const dir = makeTempDir("edge-admin-");
const secret = (name: string, text: string) => (writeFileSync(join(dir, name), text), name);
const runtime = (admin?: object) => compile(parseConfigText(JSON.stringify({
  listeners: [{ port: 0 }],
  pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } },
  routes: [{ pool: "a" }],
  ...(admin ? { admin } : {}),
})), { file: join(dir, "routes.json") });
const mint = (key: string) => new SignJWT({ scope: "read" }).setProtectedHeader({ alg: "HS256" }).setSubject("ops")
  .setIssuer("edge-proxy").setAudience("edge-proxy-admin").setExpirationTime("5m").sign(new TextEncoder().encode(key));

describe("verifierFor", () => {
  test("one check per loaded config: a config with another secret checks tokens against that one", async () => {
    const one = "1".repeat(40), two = "2".repeat(40);
    const a = runtime({ listen: "127.0.0.1:9901", auth: { secretFile: secret("one.secret", one) } });
    expect(verifierFor(a)).toBe(verifierFor(a)!);
    const b = runtime({ listen: "127.0.0.1:9901", auth: { secretFile: secret("two.secret", two) } });
    expect(await verifierFor(a)!(await mint(one))).toMatchObject({ sub: "ops", scope: "read" });
    expect(await verifierFor(b)!(await mint(one))).toBeUndefined();
    expect(await verifierFor(b)!(await mint(two))).toMatchObject({ sub: "ops" });
  });

  test("no admin.auth: no check (the read-only mode)", () => {
    expect(verifierFor(runtime({ listen: "127.0.0.1:9901" }))).toBeUndefined();
  });
});

describe("adminReloadCheck", () => {
  const listen = "127.0.0.1:9901";
  test("a secret that cannot be used refuses the reload, named at admin.auth.secretFile", () => {
    const running = runtime({ listen, auth: { secretFile: secret("good.secret", "g".repeat(40)) } });
    const short = runtime({ listen, auth: { secretFile: secret("short.secret", "short") } });
    const { errors, warnings } = adminReloadCheck(running, short);
    expect(warnings).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith("admin.auth.secretFile: ");
    expect(errors[0]).toContain("an admin secret needs at least 32 bytes, this one has 5");
  });

  test("a new listen address, new buckets, an admin added or removed are warnings that wait for a restart", () => {
    const base = runtime({ listen });
    expect(adminReloadCheck(base, runtime({ listen }))).toEqual({ errors: [], warnings: [] });
    expect(adminReloadCheck(base, runtime({ listen: "127.0.0.1:9902", metrics: { buckets: [0.5] } })).warnings).toEqual([
      "admin.listen changed from 127.0.0.1:9901 to 127.0.0.1:9902: takes effect at the next restart",
      "admin.metrics.buckets changed: takes effect at the next restart",
    ]);
    expect(adminReloadCheck(runtime(), base).warnings).toEqual(["admin added: takes effect at the next restart"]);
    expect(adminReloadCheck(base, runtime()).warnings).toEqual(["admin removed (the admin listener stays up): takes effect at the next restart"]);
  });
});

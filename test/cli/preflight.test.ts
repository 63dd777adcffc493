import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bindIssue, probeBind, unwritable } from "../../src/cli/preflight.ts";
import { makeTempDir } from "../temp-dirs.ts";

describe("unwritable", () => {
  test("a file in an existing directory, or an existing file, is fine", () => {
    const dir = makeTempDir("preflight-");
    expect(unwritable(join(dir, "access.log"))).toBeUndefined();
    writeFileSync(join(dir, "old.log"), "");
    expect(unwritable(join(dir, "old.log"))).toBeUndefined();
  });

  test("a missing directory, a directory as the file, a file as the directory", () => {
    const dir = makeTempDir("preflight-");
    expect(unwritable(join(dir, "logs", "a.log"))).toBe(`the directory ${join(dir, "logs")} does not exist; create it first`);
    mkdirSync(join(dir, "d"));
    expect(unwritable(join(dir, "d"))).toContain("is a directory; name a file in it");
    writeFileSync(join(dir, "f"), "");
    expect(unwritable(join(dir, "f", "a.log"))).toContain("is not a directory");
  });

  test.skipIf(process.getuid?.() === 0)("a read-only directory (root writes anywhere, so not as root)", () => {
    const dir = makeTempDir("preflight-");
    chmodSync(dir, 0o500);
    expect(unwritable(join(dir, "a.log"))).toContain("is not writable");
    chmodSync(dir, 0o700);
  });
});

describe("probeBind", () => {
  test("a free address passes; a held port is in use, with its listener's path", () => {
    expect(probeBind("127.0.0.1", 0, 0)).toBeUndefined();
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      expect(probeBind("127.0.0.1", holder.port, 1)).toEqual({ path: "listeners[1].port", message: `${holder.port} is in use (on 127.0.0.1); stop what listens there or choose another port`, inUse: true });
    } finally { holder.stop(true); }
  });

  test("an address of no interface and a malformed one are host errors", () => {
    expect(probeBind("192.0.2.77", 0, 2)?.path).toBe("listeners[2].host");
    expect(probeBind("192.0.2.77", 0, 2)?.message).toContain("is not an address of this machine");
    expect(probeBind("300.1.1.1", 0, 0)?.message).toContain('cannot bind "300.1.1.1"');
  });

  test("BoringSSL refusing a certificate while the TLS server is made is a tls error, not a host one", async () => {
    const { createCA, issueLeaf } = await import("../../src/tls/issue.ts");
    const { createSecureContext } = await import("node:tls");
    const ca = await createCA({ cn: "X" });
    const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "a.test", sans: ["a.test"] });
    let e: unknown;
    try {
      createSecureContext({ cert: leaf.certPem + ca.certPem.slice(0, 100), key: leaf.keyPem });
    } catch (err) {
      e = err;
    }
    const issue = bindIssue(e, "0.0.0.0", 443, 1);
    expect(issue.path).toBe("listeners[1].tls");
    expect(issue.message).toStartWith("its certificates could not be loaded (");
  });

  test("permission denied names the port and the fix", () => {
    const e = Object.assign(new Error("Failed to listen"), { code: "EACCES" });
    const issue = bindIssue(e, "0.0.0.0", 443, 0);
    expect(issue.path).toBe("listeners[0].port");
    expect(issue.message).toStartWith("443 needs root or CAP_NET_BIND_SERVICE to bind; use a port above 1023, or:");
    // the three ways out
    for (const way of ["--user NAME", "setcap cap_net_bind_service", "AmbientCapabilities=CAP_NET_BIND_SERVICE"]) expect(issue.message).toContain(way);
  });
});

describe("preflight", () => {
  test("admin.listen on a port in use is named at admin.listen before any data port is bound; a free one passes", async () => {
    const { compile } = await import("../../src/config/compile.ts");
    const { parseConfigText } = await import("../../src/config/load.ts");
    const { preflight } = await import("../../src/cli/preflight.ts");
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const rt = (admin: string) => compile(parseConfigText(JSON.stringify({
        listeners: [{ port: 0, host: "127.0.0.1" }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ path: "/", pool: "a" }], admin: { listen: admin },
      }), "/x/routes.json"), { file: "/x/routes.json" });
      const busy = preflight(rt(`127.0.0.1:${holder.port}`));
      expect(busy.errors).toEqual([]);
      expect(busy.inUse.map((i) => `${i.path}: ${i.message}`)).toEqual([`admin.listen: ${holder.port} is in use (on 127.0.0.1); stop what listens there or choose another port`]);
      expect(preflight(rt("127.0.0.1:0"))).toEqual({ errors: [], inUse: [] });
    } finally { holder.stop(true); }
  });
});

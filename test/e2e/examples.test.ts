import { describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runBinary, tempDir } from "./harness.ts";

const EXAMPLES = join(import.meta.dir, "../../examples");

describe("the shipped examples are valid configurations", () => {
  test("every examples/*.json passes proxy check once its certificates exist (made with proxy cert)", async () => {
    const dir = tempDir();
    cpSync(EXAMPLES, dir, { recursive: true });
    const certs = join(dir, "certs");
    mkdirSync(certs, { recursive: true });
    const run = async (args: string[]) => {
      const r = await runBinary(args, { cwd: certs });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    };
    // The seeds' workflow: a CA, a server key protected by a passphrase file, a signed certificate.
    writeFileSync(join(certs, "pass"), "wso2carbon\n");
    await run(["cert", "ca", "--cn", "WSO2 Example CA", "--cert", "wso2-ca.crt", "--key", "wso2-ca.key"]);
    await run(["cert", "issue", "--ca-cert", "wso2-ca.crt", "--ca-key", "wso2-ca.key", "--cn", "sso.example.com", "--cert", "server.crt", "--key", "server.key", "--passphrase-file", "pass"]);
    await run(["cert", "issue", "--ca-cert", "wso2-ca.crt", "--ca-key", "wso2-ca.key", "--cn", "api.am.wso2.com", "--san", "api.am.wso2.com,gw.am.wso2.com", "--cert", "am.crt", "--key", "am.key"]);
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const r = await runBinary(["check", join(dir, f)]);
      expect({ f, code: r.code, err: r.stderr }).toEqual({ f, code: 0, err: expect.not.stringContaining("error") });
      expect(r.stdout).toContain("configuration is valid");
    }
  });
});

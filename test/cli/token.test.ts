import { expect, test } from "bun:test";
import { decodeJwt, jwtVerify } from "jose";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { runToken } from "../../src/cli/token.ts";
import { makeTempDir } from "../temp-dirs.ts";

test("proxy token prints an HS256 token with the contract's claims; bad options are usage errors", async () => {
  const file = join(makeTempDir("edge-token-"), "admin.secret");
  writeFileSync(file, "k".repeat(40) + "\n");
  const out: string[] = [], err: string[] = [];
  const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
  expect(await runToken(["--secret-file", file, "--scope", "write", "--ttl", "8h", "--subject", "ops"], io, 1_000_000_000)).toBe(0);
  const claims = decodeJwt(out[0]!);
  expect(claims).toEqual({ scope: "write", iss: "edge-proxy", aud: "edge-proxy-admin", sub: "ops", iat: 1_000_000, exp: 1_000_000 + 8 * 3600 });
  await jwtVerify(out[0]!, new TextEncoder().encode("k".repeat(40)), { currentDate: new Date(1_000_000_000) });
  expect(await runToken(["--secret-file", file, "--scope", "admin"], io)).toBe(2);
  expect(await runToken(["--scope", "read"], io)).toBe(2);
  expect(err.join("\n")).toContain("--secret-file is required");
  expect(err.join("\n")).not.toContain("k".repeat(40)); // the secret is never printed
});

test("proxy token --help prints what each option does, on stdout, and exits 0", async () => {
  const out: string[] = [], err: string[] = [];
  const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
  expect(await runToken(["--help"], io)).toBe(0);
  expect(await runToken(["-h"], io)).toBe(0);
  expect(err).toEqual([]);
  expect(out[0]).toStartWith("usage: proxy token --secret-file FILE");
  for (const option of ["--scope", "--ttl", "--subject", "--issuer"]) expect(out[0]).toContain(option);
});

test("without --subject the subject is $USER, $LOGNAME, else the uid's passwd name (as id -un), never Bun's \"unknown\"", async () => {
  const file = join(makeTempDir("edge-token-"), "admin.secret");
  writeFileSync(file, "k".repeat(40) + "\n");
  const subject = async () => {
    const out: string[] = [];
    expect(await runToken(["--secret-file", file, "--scope", "read"], { out: (s) => out.push(s), err: () => {} })).toBe(0);
    return decodeJwt(out[0]!).sub;
  };
  const saved = { USER: process.env.USER, LOGNAME: process.env.LOGNAME };
  try {
    process.env.USER = "deploy-bot";
    process.env.LOGNAME = "other";
    expect(await subject()).toBe("deploy-bot");
    delete process.env.USER;
    expect(await subject()).toBe("other");
    delete process.env.LOGNAME;
    const idUn = Bun.spawnSync(["id", "-un"], { env: {} }).stdout.toString().trim();
    expect(await subject()).toBe(idUn);
    expect(idUn).not.toBe("unknown");
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

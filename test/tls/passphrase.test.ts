import { expect, test } from "bun:test";
import { resolveCommand, resolvePassphrase } from "../../src/tls/passphrase.ts";
import { tempDir, write } from "./openssl.ts";

const dir = tempDir();
const at = "listeners[1].tls.certificates[0]";

test("none given: no passphrase", async () => {
  expect(await resolvePassphrase({}, dir, at)).toBeUndefined();
});

test("inline passphrase", async () => {
  expect(await resolvePassphrase({ passphrase: "wso2carbon" }, dir, at)).toBe("wso2carbon");
});

test("passphraseFile: first line only, relative to the base dir", async () => {
  write(dir, "pass", "wso2carbon\r\nsecond line\n");
  expect(await resolvePassphrase({ passphraseFile: "pass" }, dir, at)).toBe("wso2carbon");
});

test("passphraseFile missing: names the JSON path and the file", async () => {
  await expect(resolvePassphrase({ passphraseFile: "nope" }, dir, at)).rejects.toThrow(`${at}.passphraseFile: cannot read nope: ENOENT`);
});

test("passphraseCommand: stdout without the trailing newline, run in the base dir", async () => {
  write(dir, "secret", " spaced pass ");
  expect(await resolvePassphrase({ passphraseCommand: "cat secret; echo" }, dir, at)).toBe(" spaced pass ");
  expect(await resolvePassphrase({ passphraseCommand: "printf 'a b'" }, dir, at)).toBe("a b");
});

test("passphraseCommand failing: names the command, exit code and its stderr", async () => {
  const p = resolvePassphrase({ passphraseCommand: "echo vault sealed >&2; exit 3" }, dir, at);
  await expect(p).rejects.toThrow(`${at}.passphraseCommand: \`echo vault sealed >&2; exit 3\` exited with 3: vault sealed`);
});

test("more than one source is an error", async () => {
  await expect(resolvePassphrase({ passphrase: "a", passphraseFile: "pass" }, dir, at)).rejects.toThrow(`${at}: give at most one of passphrase, passphraseFile, passphraseCommand (found passphrase, passphraseFile)`);
});

test("passphraseCommand: a bare name beside routes.json runs from there, before PATH", async () => {
  const { chmodSync } = await import("node:fs");
  write(dir, "vault", "#!/bin/sh\necho from-beside-$1\n");
  chmodSync(`${dir}/vault`, 0o755);
  expect(await resolvePassphrase({ passphraseCommand: "vault key1" }, dir, at)).toBe("from-beside-key1");
  expect(resolveCommand(dir, "vault key1")).toBe("./vault key1");
  // Names not beside routes.json, and paths, are left to sh (PATH, or relative to the directory).
  expect(resolveCommand(dir, "printf x")).toBe("printf x");
  expect(resolveCommand(dir, "bin/vault")).toBe("bin/vault");
});

test("passphraseCommand not found: says where it was looked for", async () => {
  const p = resolvePassphrase({ passphraseCommand: "no-such-vault get" }, dir, at);
  await expect(p).rejects.toThrow(`${at}.passphraseCommand: \`no-such-vault get\` was not found: looked for ${dir}/no-such-vault (the directory of routes.json) and then in PATH`);
  const q = resolvePassphrase({ passphraseCommand: "./bin/none" }, dir, at);
  await expect(q).rejects.toThrow(`looked for ${dir}/bin/none (relative to the directory of routes.json)`);
});

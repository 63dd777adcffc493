import { expect, test } from "bun:test";
import { resolvePassphrase } from "../../src/tls/passphrase.ts";
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

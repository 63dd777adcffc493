import { describe, expect, test } from "bun:test";
import { COMMANDS, keyOpts, parseCommand, sans, UsageError } from "../../src/cli/cert-args.ts";

describe("parseCommand", () => {
  test("reads --flag value, --flag=value, switches and positionals", () => {
    const r = parseCommand(["--in", "a.key", "--out=b.key", "--decrypt", "--force"], COMMANDS.key!);
    expect(r.opts).toMatchObject({ in: "a.key", out: "b.key", decrypt: true, force: true });
    expect(parseCommand(["--passphrase-file", "p", "x.crt", "y.key"], COMMANDS.inspect!).rest).toEqual(["x.crt", "y.key"]);
  });

  test("an unknown option or a missing value is a usage error naming the option", () => {
    expect(() => parseCommand(["--bogus"], COMMANDS.ca!)).toThrow(new UsageError("unknown option --bogus"));
    expect(() => parseCommand(["--cn"], COMMANDS.ca!)).toThrow(new UsageError("--cn needs a value"));
    expect(() => parseCommand(["--decrypt"], COMMANDS.ca!)).toThrow(UsageError); // a switch of another command
  });
});

describe("option readers", () => {
  test("SAN lists are trimmed and empty entries dropped; key options are checked", () => {
    expect(sans({ san: " a.example.com, ,10.0.0.5 " })).toEqual(["a.example.com", "10.0.0.5"]);
    expect(keyOpts({ "key-type": "rsa", "rsa-bits": "4096" })).toEqual({ keyType: "rsa", rsaBits: 4096 });
    expect(() => keyOpts({ "rsa-bits": "4096" })).toThrow("--rsa-bits needs --key-type rsa");
  });
});

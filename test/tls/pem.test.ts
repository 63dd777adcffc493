import { expect, test } from "bun:test";
import { bytesToKey, parsePem, toPem } from "../../src/tls/pem.ts";
import { opensslOk, tempDir } from "./openssl.ts";

test("bytesToKey matches OpenSSL's EVP_BytesToKey (MD5, 1 round)", () => {
  // `openssl enc -P` prints the key openssl derives for a given salt and password.
  const out = opensslOk(tempDir(), "enc", "-des-ede3-cbc", "-md", "md5", "-pass", "pass:wso2carbon", "-S", "0102030405060708", "-P");
  const key = /key=([0-9A-F]+)/.exec(out)?.[1];
  expect(key).toHaveLength(48);
  expect(bytesToKey(Buffer.from("wso2carbon"), Buffer.from("0102030405060708", "hex"), 24).toString("hex").toUpperCase()).toBe(key!);
});

test("parsePem reads headers and several blocks; toPem round-trips", () => {
  const der = new Uint8Array([1, 2, 3, 4, 5]);
  const legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\nAQIDBAU=\n-----END RSA PRIVATE KEY-----\n";
  const blocks = parsePem(legacy + toPem("CERTIFICATE", der));
  expect(blocks.map((b) => b.label)).toEqual(["RSA PRIVATE KEY", "CERTIFICATE"]);
  expect(blocks[0]?.headers["DEK-Info"]).toBe("AES-128-CBC,00FF");
  expect([...(blocks[0]?.der ?? [])]).toEqual([...der]);
  expect([...(blocks[1]?.der ?? [])]).toEqual([...der]);
});
